"""What an editor-supplied address may be: a web page (http, https) or, for an author's
contact links, an e-mail address (mailto). Never `javascript:`, `data:` or anything else a
browser would run or open. One rule for the admin, the importers and the API output."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

WEB_SCHEMES = ("http", "https")
LINK_SCHEMES = (*WEB_SCHEMES, "mailto")

validate_web_url = URLValidator(
    schemes=list(WEB_SCHEMES), message="Enter a web address starting with http:// or https://."
)
_validate_email = EmailValidator()


def validate_link(value):
    """A web address, or mailto: followed by one e-mail address."""
    if value.lower().startswith("mailto:"):
        _validate_email(value[len("mailto:") :])
        return
    validate_web_url(value)


def validate_link_lines(value):
    """Author links: one link per line, each http(s) or mailto."""
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            validate_link(line)
        except ValidationError:
            raise ValidationError(
                "%(link)s is not a web address (http:// or https://) or mailto: link.",
                code="invalid_link",
                params={"link": line[:100]},
            ) from None


def is_safe_link(value):
    """For output of what was stored before the rule: only http(s) and mailto pass."""
    return urlsplit(value.strip()).scheme.lower() in LINK_SCHEMES
