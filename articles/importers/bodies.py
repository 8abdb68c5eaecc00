"""Clean paragraphs for imported bodies: text outside any block goes into a paragraph, empty
paragraphs (only spaces, `&nbsp;` or line breaks) go. Works on sanitised, well-formed HTML."""

import html
import re

from articles.sanitize import sanitize_html

BLOCKS = frozenset(
    "p h1 h2 h3 h4 h5 h6 ul ol li blockquote figure figcaption table thead tbody tr th td "
    "caption pre hr div section dl".split()
)
VOID = frozenset({"br", "hr", "img"})
TOKEN = re.compile(r"(<!--.*?-->|<[^>]+>)", re.S)
TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")
EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|\u00a0|<br\s*/?>)*</p>\n?", re.I)


def clean_paragraphs(body):
    """Top-level inline content wrapped in <p>; empty paragraphs removed."""
    out, loose, depth = [], [], 0

    def flush():
        text = "".join(loose)
        if text.strip():
            out.append(f"<p>{text.strip()}</p>")
        else:
            out.append(text)  # the line breaks between blocks
        loose.clear()

    for token in TOKEN.split(body or ""):
        if not token:
            continue
        match = TAG_NAME.match(token) if token.startswith("<") else None
        name = match.group(2).lower() if match else ""
        closing = bool(match and match.group(1))
        if depth == 0 and name in BLOCKS:
            flush()
            out.append(token)
            if not closing and name not in VOID:
                depth = 1
            continue
        if depth == 0:
            loose.append(token)
            continue
        out.append(token)
        if name in BLOCKS and name not in VOID:
            depth += -1 if closing else 1
    flush()
    return EMPTY_PARAGRAPH.sub("", "".join(out)).strip()


def body_from_html(value):
    """Sanitised body HTML in clean paragraphs (Ghost, REST and CSV bodies)."""
    return clean_paragraphs(sanitize_html(value))


def body_from_text(value):
    """Plain text → paragraphs at blank lines, line breaks kept."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", (value or "").replace("\r\n", "\n"))]
    return "".join(
        "<p>" + html.escape(p, quote=False).replace("\n", "<br>") + "</p>" for p in parts if p
    )
