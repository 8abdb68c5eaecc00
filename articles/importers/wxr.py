"""WordPress export files (WXR 1.0 to 1.2, either namespace spelling), read safely as a stream.

defusedxml refuses entity declarations (entity-expansion bombs) and external references.
The file is read twice with `iterparse`, each element cleared once handled, so memory stays
bounded whatever the file size: the first pass checks the whole file is well-formed (nothing
is written from a malformed file) and collects authors, terms and attachments (a post's
featured image may come after the post); the second pass yields the posts one by one.

A file without a valid `<wp:wxr_version>` is refused, as WordPress's importer does. Elements
of other namespaces (and RSS ones such as `<comments>`) are ignored.

Mapping (documented in README): publish → published; future → published with its future date
(scheduled); draft → draft; pending → in review; private and password-protected → draft (not
public, reported); other statuses are skipped. An item is "the same item" when its GUID, post
type and post id are the same (a GUID alone is not unique in real exports). Categories and tags both become topics (kind "topic"; a tag and a category with
the same slug are one topic; "Uncategorized" is left out). Authors come from `dc:creator`
(several allowed) and Co-Authors Plus terms (`<category domain="author">`). Pages, comments,
menus, revisions and other post types are ignored and counted.
"""

import html
import re
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import unquote, urlparse
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
from django.utils import timezone

from articles.sanitize import html_to_text

from .base import (
    ArticleItem,
    AuthorItem,
    ImageItem,
    ImportFileError,
    ItemError,
    Rejected,
    TopicItem,
    clean_title,
)
from .media import MediaFolder
from .wp_content import convert_content, rewrite_image_urls

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
WP_NS_STARTS = ("http://wordpress.org/export/", "https://wordpress.org/export/")
STATUSES = {
    "publish": "published",
    "future": "published",
    "draft": "draft",
    "pending": "in_review",
    "private": "draft",
}
LEFT_OUT_TERMS = {"uncategorized"}
WXR_VERSION = re.compile(r"^\d+\.\d+$")
KNOWN_VERSIONS = {"1.0", "1.1", "1.2"}
PLACEHOLDER_TITLE = "(untitled post {post_id})"
SEO_FIELDS = {
    "seo_title": ("_yoast_wpseo_title", "rank_math_title"),
    "seo_description": ("_yoast_wpseo_metadesc", "rank_math_description"),
}
SEO_VARIABLE = re.compile(r"%%?([a-z_]+)%%?")
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}


def _tag(tag):
    """'{namespace}name' → 'wp:name', 'content:encoded', 'dc:creator', … (WXR 1.0 to 1.2)."""
    if not tag.startswith("{"):
        return tag
    uri, name = tag[1:].split("}", 1)
    if uri.startswith(WP_NS_STARTS):
        return f"excerpt:{name}" if uri.rstrip("/").endswith("excerpt") else f"wp:{name}"
    if uri == CONTENT_NS:
        return f"content:{name}"
    if uri == DC_NS:
        return f"dc:{name}"
    return tag  # a foreign namespace: kept apart, never mistaken for a known element


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


class _ItemData(dict):
    """An <item>'s child texts by element name, with its repeated parts kept apart (so no
    element of the file can overwrite them)."""

    def __init__(self):
        super().__init__()
        self.categories = []  # (domain, nicename, name)
        self.postmeta = {}
        self.creators = []
        self.comments = 0


def _fields(elem):
    """Flatten an <item> into an _ItemData."""
    data = _ItemData()
    for child in elem:
        name = _tag(child.tag)
        if name == "category":
            data.categories.append(
                (child.get("domain", ""), child.get("nicename", ""), (child.text or "").strip())
            )
        elif name == "wp:postmeta":
            meta = {_tag(c.tag): c.text or "" for c in child}
            key = meta.get("wp:meta_key", "")
            if key:
                data.postmeta[key] = meta.get("wp:meta_value", "")
        elif name == "dc:creator":
            login = (child.text or "").strip().strip("<>").strip()
            if login:
                data.creators.append(login)
        elif name == "wp:comment":
            data.comments += 1
        elif name not in data:
            data[name] = child.text or ""
    return data


class WxrFile:
    """One export file: `scan()` first (whole-file checks, attachments), then `articles()`."""

    def __init__(self, path, *, media_dir=None):
        self.path = Path(path)
        self.media = media_dir if isinstance(media_dir, MediaFolder) else MediaFolder(media_dir)
        self.site = ""
        self.version = None
        self.authors = {}  # login -> AuthorItem
        self.topics = {}  # slug -> TopicItem
        self.parents = {}  # topic slug -> parent slug
        self.images = {}  # attachment id -> _Attachment (`image_items()` makes their ImageItems)
        self.attached = {}  # post id -> ids of the image attachments it is the parent of
        self.image_urls = {}  # attachment URL -> image key
        self.ignored = Counter()
        self.post_count = 0

    def topic_key(self, slug):
        return f"wxr:{self.site}:topic:{slug}"

    def scan(self):
        for elem in channel_elements(self.path):
            name = _tag(elem.tag)
            text = {_tag(c.tag): (c.text or "").strip() for c in elem}
            if name == "wp:wxr_version":
                self.version = (elem.text or "").strip()
            elif name == "wp:base_site_url" or (name == "link" and not self.site):
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
                    parent=text.get("wp:category_parent", ""),
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
        self._check_version()
        self._link_parents()

    def _check_version(self):
        """WordPress's importer refuses a file without a valid version tag; so does this one."""
        if self.version is None:
            raise ImportFileError(
                f"{self.path}: not a WordPress export (no <wp:wxr_version> in the channel); "
                "export again with Tools → Export"
            )
        if not WXR_VERSION.match(self.version):
            raise ImportFileError(
                f"{self.path}: invalid WXR version “{self.version[:20]}” (expected e.g. 1.2)"
            )

    def _link_parents(self):
        for slug, parent in self.parents.items():
            seen, cursor = {slug}, parent
            while cursor in self.parents and cursor not in seen:  # a loop keeps no parent
                seen.add(cursor)
                cursor = self.parents[cursor]
            if parent in self.topics and cursor not in seen:
                self.topics[slug].parent = self.topics[parent]

    def _add_topic(self, slug, name, description, parent=""):
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
        parent = unquote(parent or "")
        if parent and parent != slug and parent not in LEFT_OUT_TERMS:
            self.parents[slug] = parent

    def _scan_item(self, data):
        post_type = data.get("wp:post_type", "post")
        self.ignored["comments"] += data.comments
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
        upload = data.postmeta.get("_wp_attached_file", "").strip()
        url_path = unquote(urlparse(url).path)
        if not upload and "/uploads/" in url_path:
            upload = url_path.split("/uploads/", 1)[1]
        mime = data.get("wp:post_mime_type", "")
        suffix = PurePosixPath(upload or url_path).suffix.lower()
        if not (mime.startswith("image/") or suffix in IMAGE_EXTENSIONS):
            self.ignored["non-image attachments"] += 1
            return
        post_id = data.get("wp:post_id", "").strip()
        title = html.unescape((data.get("title") or "").strip())
        # Captions live in the excerpt; some themes keep them in the description (content).
        caption = html_to_text(data.get("excerpt:encoded", "")) or html_to_text(
            data.get("content:encoded", "")
        )
        key = self._item_key(data, post_id)
        self.images[post_id] = _Attachment(
            key=key,
            url=url,
            alt_text=(data.postmeta.get("_wp_attachment_image_alt") or title or upload)[:300],
            caption=caption[:500],
            post_id=post_id,
            upload=upload,
        )
        parent = (data.get("wp:post_parent") or "").strip()
        if parent and parent != "0":
            self.attached.setdefault(parent, []).append(post_id)
        if url:
            self.image_urls[url] = key

    def _item_key(self, data, post_id):
        """GUID, post type and post id: distinct posts never share a key (a GUID alone is
        not unique in real exports: plugins and copied sites repeat them)."""
        guid = (data.get("guid") or "").strip()
        post_type = (data.get("wp:post_type") or "post").strip()
        key = f"wxr:{guid}#{post_type}-{post_id}" if guid else ""
        if not key or len(key) > 300:
            key = f"wxr:{self.site}:{post_type}:{post_id}"[:300]
        return key

    def _previous_key(self, data, post_id):
        """The GUID-only key imports before WXR keys had type and id (found once, then moved)."""
        guid = (data.get("guid") or "").strip()
        key = f"wxr:{guid}" if guid else f"wxr:{self.site}:post:{post_id}"
        return key if len(key) <= 300 else f"wxr:{self.site}:post:{post_id}"[:300]

    def articles(self):
        """Yield ArticleItem (or Rejected) for each post, in file order (their body images
        still point at the old site: see `point_images`)."""
        number = 0
        for elem in channel_elements(self.path):
            if _tag(elem.tag) != "item":
                continue
            number += 1
            data = _fields(elem)
            if data.get("wp:post_type", "post") != "post":
                continue
            post_id = data.get("wp:post_id", "").strip()
            title = clean_title(html.unescape(data.get("title") or ""))
            position = f"{self.path.name}, item {number} (post {post_id} “{title[:60]}”)"
            try:
                yield self._article(data, post_id, title, position)
            except ItemError as error:
                yield Rejected("article", "failed", position, str(error))
            except _Skip as skip:
                yield Rejected("article", "skipped", position, str(skip))

    def _article(self, data, post_id, title, position):
        wp_status = (data.get("wp:status") or "").strip()
        if wp_status not in STATUSES:
            raise _Skip(f"status “{wp_status}” is not imported")
        warnings = []
        status = STATUSES[wp_status]
        if not title:
            title = PLACEHOLDER_TITLE.format(post_id=post_id or "?")
            warnings.append(f"the post has no title: imported as “{title}”")
        published_at = self._date(data, wp_status, warnings)
        if wp_status == "private":
            warnings.append("private post imported as a draft (not public)")
        if (data.get("wp:post_password") or "").strip():
            status = "draft"
            warnings.append("password-protected post imported as a draft (not public)")
        body, dropped = convert_content(
            data.get("content:encoded", ""),
            gallery_images=lambda ids: self._gallery_images(ids, post_id),
        )
        if dropped:
            names = ", ".join(f"[{name}]" for name in sorted(set(dropped)))
            warnings.append(f"dropped shortcodes: {names}")
        summary = html_to_text(data.get("excerpt:encoded", ""))
        return ArticleItem(
            key=self._item_key(data, post_id),
            position=position,
            fields={
                "title": title,
                "status": status,
                "published_at": published_at,
                "body": body,
                "summary": summary,
                "featured": (data.get("wp:is_sticky") or "").strip() == "1",
                **self._seo(data.postmeta, title, summary),
            },
            slug=unquote((data.get("wp:post_name") or "").strip()),
            authors=self._authors(data),
            topics=self._topics(data),
            hero_key=self._hero(data, warnings),
            legacy_paths=self._legacy_paths(data),
            warnings=warnings,
            language=self._language(data),
            previous_key=self._previous_key(data, post_id),
        )

    def point_images(self, item, image_url):
        """The item with its body's images pointed at their imported copies (`image_url(key)`:
        the writer knows them; the parsing may run in another process)."""
        if isinstance(item, ArticleItem) and "<img" in item.fields["body"]:
            item.fields["body"] = rewrite_image_urls(
                item.fields["body"], self.image_urls, image_url
            )
        return item

    def _date(self, data, wp_status, warnings):
        """post_date_gmt; else post_date (site time zone) for published posts; else, when the
        file has neither (some exporters leave them out), the RSS pubDate. A zero date means
        "no date yet" (a draft)."""
        published_at = _gmt_date(data.get("wp:post_date_gmt"))
        if published_at is None and wp_status in ("publish", "future"):
            published_at = _local_date(data.get("wp:post_date"))
            if published_at is not None:
                warnings.append("no GMT date; used the local date in the site's time zone")
        if published_at is None and not ({"wp:post_date", "wp:post_date_gmt"} & data.keys()):
            published_at = _rss_date(data.get("pubDate"))
        if published_at is None and wp_status in ("publish", "future"):
            raise ItemError("a published post without a date")
        return published_at

    def _authors(self, data):
        authors = [self._author(login) for login in data.creators]
        for domain, _slug, name in data.categories:
            if domain == "author" and name:
                authors.append(self._author(name))
        return authors

    def _topics(self, data):
        topics = []
        for domain, slug, name in data.categories:
            slug = unquote(slug)
            # "tag" is WXR 1.0's domain for tags
            if domain in ("category", "post_tag", "tag") and slug and slug not in LEFT_OUT_TERMS:
                topics.append(
                    self.topics.get(slug)
                    or TopicItem(key=self.topic_key(slug), name=html.unescape(name) or slug)
                )
        return topics

    def _language(self, data):
        """Polylang's language term or WPML's postmeta, for whoever stores languages."""
        for domain, slug, _name in data.categories:
            if domain == "language" and slug:
                return slug
        return (data.postmeta.get("wpml_language") or "").strip()

    def _hero(self, data, warnings):
        thumbnail = data.postmeta.get("_thumbnail_id", "").strip()
        if not thumbnail:
            return None
        if thumbnail in self.images:
            return self.images[thumbnail].key
        warnings.append(f"featured image {thumbnail} is not an image in this file")
        return None

    def _legacy_paths(self, data):
        link = (data.get("link") or "").strip()
        if link:
            parsed = urlparse(link)
            if parsed.path not in ("", "/") and not parsed.query:
                return [unquote(parsed.path)]
        return []

    def _gallery_images(self, ids, post_id):
        ids = ids if ids is not None else self.attached.get(post_id, [])
        found = []
        for attachment in ids:
            image = self.images.get(attachment)
            if image is not None and image.url:
                found.append((image.url, image.alt_text, image.caption))
        return found

    def image_items(self):
        """The ImageItem of each image attachment, made as they are iterated: a large export
        holds tens of thousands, kept in `images` as tuples of what their items are made of."""
        return _ImageItems(self)

    def _image_item(self, attachment):
        upload, url = attachment.upload, attachment.url
        url_path = unquote(urlparse(url).path)
        candidates = [upload, f"wp-content/uploads/{upload}"] if upload else []
        if PurePosixPath(url_path).name:
            candidates.append(PurePosixPath(url_path).name)
        return ImageItem(
            key=attachment.key,
            position=f"{self.path.name}, attachment {attachment.post_id} ({upload or url})",
            fields={"alt_text": attachment.alt_text, "caption": attachment.caption},
            candidates=candidates,
            media_dir=self.media,
            url=url,
            label=upload or url,
        )

    def _seo(self, postmeta, title, summary):
        """Yoast or Rank Math title and description; their %%variables%% filled or dropped."""
        values = {}
        for name, keys in SEO_FIELDS.items():
            raw = next((postmeta[k] for k in keys if (postmeta.get(k) or "").strip()), "")
            if raw:
                filled = SEO_VARIABLE.sub(
                    lambda m: {"title": title, "excerpt": summary}.get(m.group(1), ""), raw
                )
                filled = re.sub(r"\s+", " ", filled).strip(" -|–—·:")
                if filled:
                    values[name] = filled[: 300 if name == "seo_title" else 500]
        return values

    def _author(self, login):
        return self.authors.get(login) or AuthorItem(
            key=f"wxr:{self.site}:author:{login}", name=login
        )


class _Attachment(NamedTuple):
    key: str
    url: str
    alt_text: str
    caption: str
    post_id: str
    upload: str  # its path under the uploads folder, as the file names it


class _ImageItems:
    """A file's image items, made each time they are iterated (so more than once)."""

    def __init__(self, source):
        self.source = source

    def __len__(self):
        return len(self.source.images)

    def __iter__(self):
        return map(self.source._image_item, self.source.images.values())


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


def _rss_date(value):
    """An RSS pubDate; WordPress writes a year -0001 one for posts that never had a date."""
    try:
        parsed = parsedate_to_datetime((value or "").strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed.year < 1970:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
