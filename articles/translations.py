"""Reading translation groups: which published articles translate each other, and the
hreflang alternates every page of a group shows (the same set on each, so they are
reciprocal)."""

from django.conf import settings


def alternates(members):
    """[(hreflang, url)] of a group's published `members` (objects with `language`, `pk` and
    `public_url`), by language, then `x-default`: the member in the site's default language,
    else the first published. Empty for an article without published translations."""
    members = sorted(members, key=lambda m: (m.language, m.pk))
    if len(members) < 2:
        return []
    default = next(
        (m for m in members if m.language == settings.DEFAULT_CONTENT_LANGUAGE),
        min(members, key=lambda m: m.pk),
    )
    return [(m.language, m.public_url) for m in members] + [("x-default", default.public_url)]
