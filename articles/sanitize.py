"""The one HTML allow-list for article bodies, whatever wrote them (admin, import, API)."""

import html
from html.parser import HTMLParser

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


VAGUE_LINK_TEXTS = frozenset(
    {"click here", "here", "read more", "more", "link", "this link", "this", "click"}
)


class _Outline(HTMLParser):
    """Headings and links of a body, for the editor's accessibility hints."""

    def __init__(self):
        super().__init__()
        self.headings, self.links, self._link = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3", "h4"):
            self.headings.append(int(tag[1]))
        elif tag == "a":
            self._link = []
        elif tag == "img" and self._link is not None:
            self._link.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append(" ".join("".join(self._link).split()))
            self._link = None

    def handle_data(self, data):
        if self._link is not None:
            self._link.append(data)


def accessibility_warnings(body):
    """What a screen-reader user would trip over in a body: skipped heading levels (the
    title is the page's h1, so the body's headings start at h2), links with no text or with
    text that says nothing out of context. Hints for the editor, never a refusal."""
    outline = _Outline()
    outline.feed(body or "")
    warnings = []
    level = 1
    for heading in outline.headings:
        if heading > level + 1:
            warnings.append(
                f"a level-{heading} heading follows a level-{level} one: a level is skipped "
                "(screen readers navigate by heading levels)."
            )
        level = heading
    empty = sum(1 for text in outline.links if not text)
    if empty:
        warnings.append(f"{empty} link(s) have no text: say where each one goes.")
    vague = sorted(
        {text for text in outline.links if text.lower().strip(".!: ") in VAGUE_LINK_TEXTS}
    )
    if vague:
        quoted = ", ".join(f"“{text}”" for text in vague)
        warnings.append(f"link text {quoted} says nothing out of context: name the destination.")
    return warnings
