"""WordPress export files (WXR 1.1 and 1.2), read safely and as a stream.

defusedxml refuses entity declarations (entity-expansion bombs) and external references.
The file is read twice with `iterparse`, each element cleared once handled, so memory stays
bounded whatever the file size: the first pass checks the whole file is well-formed (nothing
is written from a malformed file) and collects authors, terms and attachments (a post's
featured image may come after the post); the second pass yields the posts one by one.

Mapping (documented in README): publish → published; future → published with its future date
(scheduled); draft → draft; pending → in review; private → draft (not public); other statuses
are skipped. Categories and tags both become topics (kind "topic"; a tag and a category with
the same slug are one topic; "Uncategorized" is left out). Authors come from `dc:creator`
(several allowed) and Co-Authors Plus terms (`<category domain="author">`). Pages, comments,
menus, revisions and other post types are ignored and counted.
"""

import html
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
from django.utils import timezone

from articles.sanitize import html_to_text, sanitize_html

from .base import (
    ArticleItem,
    AuthorItem,
    ImageItem,
    ImportFileError,
    ItemError,
    Rejected,
    TopicItem,
)

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
WP_NS_START = "http://wordpress.org/export/"
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
STATUSES = {
    "publish": "published",
    "future": "published",
    "draft": "draft",
    "pending": "in_review",
    "private": "draft",
}
LEFT_OUT_TERMS = {"uncategorized"}
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


def _tag(tag):
    """'{namespace}name' → 'wp:name', 'content:encoded', 'dc:creator', … (WXR 1.1 and 1.2)."""
    if not tag.startswith("{"):
        return tag
    uri, name = tag[1:].split("}", 1)
    if uri.startswith(WP_NS_START):
        return f"excerpt:{name}" if uri.rstrip("/").endswith("excerpt") else f"wp:{name}"
    if uri == CONTENT_NS:
        return f"content:{name}"
    if uri == DC_NS:
        return f"dc:{name}"
    return name


def channel_elements(path):
    """Yield each direct child of <channel> (items, authors, terms), clearing it afterwards."""
    depth, channel = 0, None
    try:
        events = SafeET.iterparse(str(path), events=("start", "end"))
        for event, elem in events:
            if event == "start":
                depth += 1
                if depth == 1 and _tag(elem.tag) != "rss":
                    raise ImportFileError(f"{path}: not a WordPress export (no <rss> root)")
                if depth == 2:
                    channel = elem
                continue
            depth -= 1
            if depth == 2 and channel is not None:
                yield elem
                elem.clear()
                channel.remove(elem)
    except ParseError as error:
        line, column = error.position
        raise ImportFileError(
            f"{path}: malformed XML at line {line}, column {column + 1}: {_parse_message(error)}"
        ) from None
    except defusedxml.DefusedXmlException as error:
        raise ImportFileError(
            f"{path}: refused unsafe XML ({type(error).__name__}: {error}); entity declarations "
            "and external references are not allowed in an import file"
        ) from None


def _parse_message(error):
    return str(error).split(":")[0]


def _fields(elem):
    """Flatten an <item> into a dict of its child texts, with lists for repeated elements."""
    data = {"categories": [], "postmeta": {}, "creators": [], "comments": 0}
    for child in elem:
        name = _tag(child.tag)
        if name == "category":
            data["categories"].append(
                (child.get("domain", ""), child.get("nicename", ""), (child.text or "").strip())
            )
        elif name == "wp:postmeta":
            meta = {_tag(c.tag): c.text or "" for c in child}
            data["postmeta"][meta.get("wp:meta_key", "")] = meta.get("wp:meta_value", "")
        elif name == "dc:creator":
            if (child.text or "").strip():
                data["creators"].append(child.text.strip())
        elif name == "wp:comment":
            data["comments"] += 1
        else:
            data[name] = child.text or ""
    return data


class WxrFile:
    """One export file: `scan()` first (whole-file checks, attachments), then `articles()`."""

    def __init__(self, path, *, media_dir=None):
        self.path = Path(path)
        self.media_dir = Path(media_dir) if media_dir else None
        self.site = ""
        self.authors = {}  # login -> AuthorItem
        self.topics = {}  # slug -> TopicItem
        self.images = {}  # attachment id -> ImageItem
        self.image_urls = {}  # attachment URL -> image key
        self.ignored = Counter()
        self.post_count = 0

    def topic_key(self, slug):
        return f"wxr:{self.site}:topic:{slug}"

    def scan(self):
        for elem in channel_elements(self.path):
            name = _tag(elem.tag)
            text = {_tag(c.tag): (c.text or "").strip() for c in elem}
            if name == "wp:base_site_url" or (name == "link" and not self.site):
                self.site = (elem.text or "").strip().rstrip("/")
            elif name == "wp:author":
                login = text.get("wp:author_login", "")
                if login:
                    display = text.get("wp:author_display_name") or login
                    self.authors[login] = AuthorItem(
                        key=f"wxr:{self.site}:author:{login}", name=display
                    )
            elif name == "wp:category":
                self._add_topic(
                    text.get("wp:category_nicename"),
                    text.get("wp:cat_name"),
                    text.get("wp:category_description", ""),
                )
            elif name == "wp:tag":
                self._add_topic(
                    text.get("wp:tag_slug"),
                    text.get("wp:tag_name"),
                    text.get("wp:tag_description", ""),
                )
            elif name == "wp:term":
                if text.get("wp:term_taxonomy") == "nav_menu":
                    self.ignored["menus"] += 1
            elif name == "item":
                self._scan_item(_fields(elem))

    def _add_topic(self, slug, name, description):
        slug = unquote(slug or "")
        if not slug or not name or slug in LEFT_OUT_TERMS:
            return
        self.topics.setdefault(
            slug,
            TopicItem(
                key=self.topic_key(slug),
                name=html.unescape(name),
                fields={"description": description} if description else {},
            ),
        )

    def _scan_item(self, data):
        post_type = data.get("wp:post_type", "post")
        self.ignored["comments"] += data["comments"]
        if post_type == "post":
            self.post_count += 1
        elif post_type == "attachment":
            self._scan_attachment(data)
        elif post_type == "nav_menu_item":
            self.ignored["menu items"] += 1
        else:
            self.ignored[f"{post_type} items"] += 1

    def _scan_attachment(self, data):
        url = (data.get("wp:attachment_url") or data.get("guid") or "").strip()
        upload = data["postmeta"].get("_wp_attached_file", "").strip()
        if not upload and "/uploads/" in url:
            upload = unquote(urlparse(url).path.split("/uploads/", 1)[1])
        mime = data.get("wp:post_mime_type", "")
        suffix = PurePosixPath(upload or urlparse(url).path).suffix.lower()
        if not (mime.startswith("image/") or suffix in IMAGE_EXTENSIONS):
            self.ignored["non-image attachments"] += 1
            return
        post_id = data.get("wp:post_id", "").strip()
        title = html.unescape((data.get("title") or "").strip())
        candidates = []
        if self.media_dir and upload:
            candidates = [
                self.media_dir / upload,
                self.media_dir / "wp-content" / "uploads" / upload,
                self.media_dir / PurePosixPath(upload).name,
            ]
        key = self._item_key(data, post_id)
        self.images[post_id] = ImageItem(
            key=key,
            position=f"{self.path.name}, attachment {post_id} ({upload or url})",
            fields={
                "alt_text": (data["postmeta"].get("_wp_attachment_image_alt") or title or upload)[
                    :300
                ],
                "caption": html_to_text(data.get("excerpt:encoded", ""))[:500],
            },
            candidates=candidates,
            url=url,
            label=upload or url,
        )
        if url:
            self.image_urls[url] = key

    def _item_key(self, data, post_id):
        guid = (data.get("guid") or "").strip()
        key = f"wxr:{guid}" if guid else f"wxr:{self.site}:post:{post_id}"
        if len(key) > 300:
            key = f"wxr:{self.site}:post:{post_id}"[:300]
        return key

    def articles(self, *, image_url=None):
        """Yield ArticleItem (or Rejected) for each post, in file order."""
        number = 0
        for elem in channel_elements(self.path):
            if _tag(elem.tag) != "item":
                continue
            number += 1
            data = _fields(elem)
            if data.get("wp:post_type", "post") != "post":
                continue
            post_id = data.get("wp:post_id", "").strip()
            title = html.unescape((data.get("title") or "").strip())
            position = f"{self.path.name}, item {number} (post {post_id} “{title[:60]}”)"
            try:
                yield self._article(data, post_id, title, position, image_url)
            except ItemError as error:
                yield Rejected("article", "failed", position, str(error))
            except _Skip as skip:
                yield Rejected("article", "skipped", position, str(skip))

    def _article(self, data, post_id, title, position, image_url):
        wp_status = (data.get("wp:status") or "").strip()
        if wp_status not in STATUSES:
            raise _Skip(f"status “{wp_status}” is not imported")
        if not title:
            raise ItemError("the post has no title")
        warnings = []
        published_at = _gmt_date(data.get("wp:post_date_gmt"))
        if published_at is None and wp_status in ("publish", "future"):
            published_at = _local_date(data.get("wp:post_date"))
            if published_at is None:
                raise ItemError("a published post without a date")
            warnings.append("no GMT date; used the local date in the site's time zone")
        if wp_status == "private":
            warnings.append("private post imported as a draft (not public)")
        body, dropped = convert_content(data.get("content:encoded", ""))
        if dropped:
            names = ", ".join(f"[{name}]" for name in sorted(set(dropped)))
            warnings.append(f"dropped shortcodes: {names}")
        if image_url:
            body = _rewrite_image_urls(body, self.image_urls, image_url)
        authors = []
        for login in data["creators"]:
            authors.append(self._author(login))
        for domain, _slug, name in data["categories"]:
            if domain == "author" and name:
                authors.append(self._author(name))
        topics = []
        for domain, slug, name in data["categories"]:
            slug = unquote(slug)
            if domain in ("category", "post_tag") and slug and slug not in LEFT_OUT_TERMS:
                topics.append(
                    self.topics.get(slug)
                    or TopicItem(key=self.topic_key(slug), name=html.unescape(name) or slug)
                )
        hero_key = None
        thumbnail = data["postmeta"].get("_thumbnail_id", "").strip()
        if thumbnail:
            if thumbnail in self.images:
                hero_key = self.images[thumbnail].key
            else:
                warnings.append(f"featured image {thumbnail} is not an image in this file")
        link = (data.get("link") or "").strip()
        legacy = []
        if link:
            parsed = urlparse(link)
            if parsed.path not in ("", "/") and not parsed.query:
                legacy.append(unquote(parsed.path))
        return ArticleItem(
            key=self._item_key(data, post_id),
            position=position,
            fields={
                "title": title,
                "status": STATUSES[wp_status],
                "published_at": published_at,
                "body": body,
                "summary": html_to_text(data.get("excerpt:encoded", "")),
            },
            slug=unquote((data.get("wp:post_name") or "").strip()),
            authors=authors,
            topics=topics,
            hero_key=hero_key,
            legacy_paths=legacy,
            warnings=warnings,
        )

    def _author(self, login):
        return self.authors.get(login) or AuthorItem(
            key=f"wxr:{self.site}:author:{login}", name=login
        )


class _Skip(Exception):
    pass


def _gmt_date(value):
    parsed = _wp_date(value)
    return parsed.replace(tzinfo=UTC) if parsed else None


def _local_date(value):
    parsed = _wp_date(value)
    return timezone.make_aware(parsed) if parsed else None


def _wp_date(value):
    value = (value or "").strip()
    if not value or value.startswith("0000-00-00"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 (zone set by caller)
    except ValueError:
        raise ItemError(f"invalid date “{value}” (expected YYYY-MM-DD HH:MM:SS)") from None


# --- Content ----------------------------------------------------------------------------------


def convert_content(content):
    """WordPress post content → sanitised body HTML, and the names of the shortcodes dropped."""
    content = BLOCK_COMMENT.sub("", content or "")
    content = CAPTION.sub(_caption_to_figure, content)
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
    return sanitize_html(autop(content)), dropped


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


def autop(content):
    """Paragraphs from blank lines, as WordPress does for classic-editor posts."""
    chunks, open_blocks = [], 0
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


def _rewrite_image_urls(body, image_urls, image_url):
    """Point images at imported copies (also WordPress's resized `-300x200` variants)."""

    def swap(match):
        src = match.group(2)
        key = image_urls.get(src) or image_urls.get(SIZED_UPLOAD.sub(r"\1", src))
        new = image_url(key) if key else None
        return f"{match.group(1)}{new or src}{match.group(3)}"

    return IMG_SRC.sub(swap, body)
