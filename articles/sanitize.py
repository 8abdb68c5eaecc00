"""The one HTML allow-list for article bodies, whatever wrote them (admin, import, API)."""

import html

import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "blockquote", "ul", "ol", "li", "a", "code", "pre", "figure", "figcaption", "img",
    "table", "thead", "tbody", "tr", "th", "td", "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(value):
    """Keep only allow-listed tags, attributes and URL schemes; drop scripts and handlers."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def html_to_text(value):
    """Plain text of an HTML fragment, with paragraphs kept apart."""
    if not value:
        return ""
    spaced = value.replace("</p>", "</p>\n\n").replace("<br>", "\n")
    text = html.unescape(nh3.clean(spaced, tags=set()))
    return "\n\n".join(part.strip() for part in text.split("\n\n") if part.strip())
