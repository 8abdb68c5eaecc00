"""WordPress post content (classic editor, blocks, shortcodes) → clean, sanitised body HTML.

Shared by the WXR and the WordPress REST importers. Block comments go; `[caption]` becomes a
figure with its caption; `[gallery]` becomes a figure of its images (by attachment id, or the
post's attached images when it names none); `[embed]` and oEmbed URLs alone on a line become
plain links; other shortcodes are dropped (their inner text kept) and reported by name.
"""

import html
import re

from articles.sanitize import sanitize_html

from .bodies import clean_paragraphs

# Shortcodes that WordPress and common plugins register; others only count as shortcodes when
# they look like one (attributes, a closing tag), so "[sic]" or "[1]" in prose stays text.
KNOWN_SHORTCODES = {
    "audio", "video", "playlist", "gallery", "embed", "wp_caption", "caption", "contact-form-7",
    "contact-form", "gravityform", "ninja_form", "vc_row", "vc_column", "vc_column_text",
    "et_pb_section", "et_pb_row", "et_pb_column", "et_pb_text", "su_button", "button", "tweet",
    "pdf-embedder", "pdf", "download", "soundcloud", "youtube", "vimeo", "toc", "table",
    "fusion_builder_container", "fusion_text", "av_textblock", "ultimate_post_list",
}  # fmt: skip
BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
CAPTION = re.compile(r"\[(caption|wp_caption)((?:\s[^\]]*)?)\](.*?)\[/\1\]", re.S)
CAPTION_ATTR = re.compile(r'caption\s*=\s*"([^"]*)"')
LEADING_MEDIA = re.compile(r"^\s*(<a\b[^>]*>\s*<img\b[^>]*>\s*</a>|<img\b[^>]*>)(.*)$", re.S | re.I)
SHORTCODE = re.compile(r"\[(/?)([A-Za-z][\w-]*)((?:\s[^\[\]]*?)?)(/?)\]")
BLOCK_START = re.compile(
    r"^\s*<(p|h[1-6]|ul|ol|li|blockquote|figure|table|pre|div|hr|section|dl)\b", re.I
)
CONTAINERS = "ul|ol|table|blockquote|figure|pre|div|section|dl"
CONTAINER_OPEN = re.compile(rf"<(?:{CONTAINERS})\b", re.I)
CONTAINER_CLOSE = re.compile(rf"</(?:{CONTAINERS})\s*>", re.I)
IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.I)
SIZED_UPLOAD = re.compile(r"-\d+x\d+(\.\w+)$")
GALLERY = re.compile(r"\[gallery((?:\s[^\]]*)?)\]", re.I)
GALLERY_IDS = re.compile(r'\bids\s*=\s*["\']?([\d,\s]+)')
EMBED = re.compile(r"\[embed[^\]]*\]\s*(https?://[^\s\[\]<>\"]+)\s*\[/embed\]", re.I)
BARE_URL_LINE = re.compile(
    r"^(\s*(?:<p>|<div[^>]*>)?\s*)(https?://[^\s<>\"]+)(\s*(?:</p>|</div>)?\s*)$", re.M
)


def convert_content(content, *, gallery_images=None):
    """Post content → (sanitised body HTML, names of the shortcodes dropped).

    `gallery_images(ids)` returns (src, alt, caption) for attachment ids (None: the post's
    attached images).
    """
    content = BLOCK_COMMENT.sub("", content or "")
    content = CAPTION.sub(_caption_to_figure, content)
    content = GALLERY.sub(lambda m: _gallery(m.group(1), gallery_images), content)
    content = EMBED.sub(lambda m: f"\n\n{_link(m.group(1))}\n\n", content)
    content = BARE_URL_LINE.sub(lambda m: f"{m.group(1)}{_link(m.group(2))}{m.group(3)}", content)
    dropped = []
    closing = {m.group(2).lower() for m in SHORTCODE.finditer(content) if m.group(1)}

    def drop(match):
        slash, name, attrs, self_closing = match.groups()
        lowered = name.lower()
        if lowered in KNOWN_SHORTCODES or lowered in closing or "=" in attrs or self_closing:
            if not slash:
                dropped.append(lowered)
            return ""
        return match.group(0)

    content = SHORTCODE.sub(drop, content)
    return clean_paragraphs(sanitize_html(autop(content))), dropped


def _link(url):
    url = html.escape(html.unescape(url))
    return f'<a href="{url}">{url}</a>'


def _gallery(attrs, gallery_images):
    found = GALLERY_IDS.search(attrs or "")
    ids = [i for i in re.split(r"[,\s]+", found.group(1)) if i] if found else None
    images = gallery_images(ids) if gallery_images else []
    if not images:
        return "\n\n"
    parts = [f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">' for src, alt, _ in images]
    captions = [html.escape(c) for _, _, c in images if c]
    figcaption = f"<figcaption>{' · '.join(captions)}</figcaption>" if captions else ""
    return f"\n\n<figure>{''.join(parts)}{figcaption}</figure>\n\n"


def _caption_to_figure(match):
    attrs, inner = match.group(2), match.group(3)
    media = LEADING_MEDIA.match(inner)
    if media:
        image, caption = media.group(1), media.group(2).strip()
    else:
        image, caption = inner, ""
    if not caption:
        found = CAPTION_ATTR.search(attrs)
        caption = found.group(1) if found else ""
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"\n\n<figure>{image}{figcaption}</figure>\n\n"


BLOCK_TAG = re.compile(
    rf"(<(?:{CONTAINERS}|p|h[1-6]|hr)\b[^>]*>|</(?:{CONTAINERS}|p|h[1-6])\s*>)", re.I
)


def autop(content):
    """Paragraphs from blank lines, as WordPress does for classic-editor posts (block tags
    start and end a paragraph, as in wpautop)."""
    chunks, open_blocks = [], 0
    content = BLOCK_TAG.sub(
        lambda m: f"\n\n{m.group(1)}" if m.group(1)[1] != "/" else f"{m.group(1)}\n\n", content
    )
    for chunk in re.split(r"\n\s*\n", content.replace("\r\n", "\n")):
        chunk = chunk.strip()
        if not chunk:
            continue
        if open_blocks or BLOCK_START.match(chunk):
            chunks.append(chunk)
        else:
            chunks.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
        open_blocks += len(CONTAINER_OPEN.findall(chunk)) - len(CONTAINER_CLOSE.findall(chunk))
        open_blocks = max(open_blocks, 0)
    return "\n".join(chunks)


def rewrite_image_urls(body, image_urls, image_url):
    """Point images at imported copies (also WordPress's resized `-300x200` variants)."""

    def swap(match):
        src = html.unescape(match.group(2))
        key = image_urls.get(src) or image_urls.get(SIZED_UPLOAD.sub(r"\1", src))
        new = image_url(key) if key else None
        return f"{match.group(1)}{html.escape(new) if new else match.group(2)}{match.group(3)}"

    return IMG_SRC.sub(swap, body)
