"""Ghost JSON exports (Settings → Labs → Export), Ghost 1 to 5.

Posts become articles keyed by their uuid ("ghost:<uuid>"); pages are skipped and counted.
Authors come from `posts_authors` in their order, topics from `posts_tags` (internal `#tags`
left out). The body is the post's `html`; only when it is absent, the text of its `lexical`
or `mobiledoc` document. The feature image (with its alt text and caption, from the post or
`posts_meta`) becomes the hero image: found in --media-dir under its path after
`/content/images/` (the folder of a Ghost site), else by file name, else downloaded safely.
Members-only and paid posts are imported as drafts (never public) and reported; so are
posts without a title (with a placeholder). Ghost's `featured` flag becomes featured.
"""

import html
import json
from collections import Counter
from pathlib import Path

from articles.sanitize import html_to_text

from .base import (
    ArticleItem,
    AuthorItem,
    ImportFileError,
    ItemError,
    Rejected,
    TopicItem,
    clean_title,
)
from .bodies import body_from_html
from .common import image_item, load_json, parse_datetime, text

STATUSES = {"published": "published", "scheduled": "published", "draft": "draft"}
GHOST_URL_PREFIXES = ("/content/images/",)


def looks_like_ghost(data):
    return isinstance(data, dict) and ("db" in data or ("data" in data and "meta" in data))


class GhostFile:
    def __init__(self, path, *, media_dir=None):
        self.path = Path(path)
        self.media = media_dir
        data = load_json(self.path)
        if not looks_like_ghost(data):
            raise ImportFileError(f"{self.path}: not a Ghost export (no “db” section)")
        db = data["db"][0] if isinstance(data.get("db"), list) and data["db"] else data
        self.data = db.get("data") if isinstance(db, dict) else None
        if not isinstance(self.data, dict) or not isinstance(self.data.get("posts"), list):
            raise ImportFileError(f"{self.path}: a Ghost export without posts")
        self.ignored = Counter()
        self.items, self.images = [], []
        self._read()

    @property
    def post_count(self):
        return len(self.items)

    def _table(self, name):
        rows = self.data.get(name) or []
        return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []

    def _read(self):
        users = {row.get("id"): row for row in self._table("users")}
        tags = {row.get("id"): row for row in self._table("tags")}
        meta = {row.get("post_id"): row for row in self._table("posts_meta")}
        authors_of, tags_of = {}, {}
        for link in sorted(self._table("posts_authors"), key=lambda r: r.get("sort_order") or 0):
            authors_of.setdefault(link.get("post_id"), []).append(link.get("author_id"))
        for link in sorted(self._table("posts_tags"), key=lambda r: r.get("sort_order") or 0):
            tags_of.setdefault(link.get("post_id"), []).append(link.get("tag_id"))
        for index, post in enumerate(self._table("posts")):
            post_id = post.get("id")
            title = clean_title(text(post.get("title")))
            position = f"{self.path.name}, posts[{index}] (“{title[:60]}”)"
            if text(post.get("type")) == "page" or post.get("page") in (True, 1):
                self.ignored["pages"] += 1
                continue
            try:
                item = self._article(post, title, position, meta.get(post_id, {}))
            except ItemError as error:
                self.items.append(Rejected("article", "failed", position, str(error)))
                continue
            if isinstance(item, Rejected):
                self.items.append(item)
                continue
            ids = authors_of.get(post_id) or [post.get("author_id")]
            item.authors = [self._author(users[i]) for i in ids if i in users]
            item.topics = [
                self._topic(tags[i])
                for i in tags_of.get(post_id, [])
                if i in tags
                and not text(tags[i].get("name")).startswith("#")
                and text(tags[i].get("visibility")) != "internal"
            ]
            self.items.append(item)

    def _article(self, post, title, position, meta):
        status = text(post.get("status"))
        if status not in STATUSES:
            return Rejected("article", "skipped", position, f"status “{status}” is not imported")
        warnings = []
        key = f"ghost:{text(post.get('uuid')) or text(str(post.get('id') or ''))}"
        if key == "ghost:":
            raise ItemError("the post has no uuid or id")
        if not title:
            title = f"(untitled post {text(post.get('slug')) or key[6:]})"
            warnings.append(f"the post has no title: imported as “{title}”")
        wanted = STATUSES[status]
        if text(post.get("visibility")) not in ("", "public"):
            wanted = "draft"
            warnings.append(
                f"{post.get('visibility')} post imported as a draft (not public: its text was "
                "for members only)"
            )
        published_at = parse_datetime(post.get("published_at"), "published_at")
        if wanted == "published" and published_at is None:
            raise ItemError("a published post without a date")
        body = self._body(post, warnings)
        summary = text(post.get("custom_excerpt")) or ""
        hero_key = None
        feature = text(post.get("feature_image"))
        if feature:
            hero_key = f"{key}:feature-image"
            alt = text(meta.get("feature_image_alt")) or text(post.get("feature_image_alt"))
            caption = text(meta.get("feature_image_caption")) or text(
                post.get("feature_image_caption")
            )
            self.images.append(
                image_item(
                    key=hero_key,
                    position=f"{position}, feature image",
                    # "__GHOST_URL__/content/images/…": the site's own file, in --media-dir
                    reference=feature.removeprefix("__GHOST_URL__"),
                    media=self.media,
                    fields={
                        "alt_text": (alt or title)[:300],
                        "caption": html_to_text(caption)[:500],
                    },
                    url_prefixes=GHOST_URL_PREFIXES,
                )
            )
        seo = {
            "seo_title": (text(meta.get("meta_title")) or text(post.get("meta_title")))[:300],
            "seo_description": (
                text(meta.get("meta_description")) or text(post.get("meta_description"))
            )[:500],
        }
        return ArticleItem(
            key=key,
            position=position,
            fields={
                "title": title[:300],
                "status": wanted,
                "published_at": published_at,
                "body": body,
                "summary": summary,
                "featured": bool(post.get("featured")),
                "canonical_url": text(post.get("canonical_url"))[:200],
                **{k: v for k, v in seo.items() if v},
            },
            slug=text(post.get("slug")),
            hero_key=hero_key,
            warnings=warnings,
            language=text(post.get("locale")),
        )

    def _body(self, post, warnings):
        if text(post.get("html")):
            return body_from_html(post["html"])
        paragraphs = document_paragraphs(post.get("lexical"), post.get("mobiledoc"))
        if paragraphs:
            warnings.append("no html in the export: body rebuilt as plain paragraphs")
        return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)

    def _author(self, user):
        return AuthorItem(
            key=f"ghost:author:{user.get('id')}",
            name=text(user.get("name"), 200) or text(user.get("slug")) or "Unknown",
            fields={"bio": text(user.get("bio"))} if text(user.get("bio")) else {},
        )

    def _topic(self, tag):
        return TopicItem(
            key=f"ghost:tag:{tag.get('id')}",
            name=text(tag.get("name"), 200),
            fields={"description": text(tag.get("description"))}
            if text(tag.get("description"))
            else {},
        )


def document_paragraphs(lexical, mobiledoc):
    """Plain-text paragraphs of a Lexical or Mobiledoc document (JSON text or parsed)."""

    def parsed(value):
        if isinstance(value, str) and value.strip():
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return None
        return value if isinstance(value, dict) else None

    doc = parsed(lexical)
    if doc and isinstance(doc.get("root"), dict):
        return [p for p in (_lexical_text(n) for n in doc["root"].get("children", [])) if p]
    doc = parsed(mobiledoc)
    if doc:
        return _mobiledoc_paragraphs(doc)
    return []


def _lexical_text(node):
    if not isinstance(node, dict):
        return ""
    if node.get("type") in ("text", "extended-text") and isinstance(node.get("text"), str):
        return node["text"]
    if node.get("type") == "linebreak":
        return "\n"
    return "".join(_lexical_text(child) for child in node.get("children") or []).strip()


def _mobiledoc_paragraphs(doc):
    paragraphs = []
    cards = doc.get("cards") or []
    for section in doc.get("sections") or []:
        if not isinstance(section, list) or not section:
            continue
        if section[0] == 1 and len(section) > 2:  # a markup section: its text markers
            words = [m[3] for m in section[2] if isinstance(m, list) and len(m) > 3]
            paragraphs.append("".join(w for w in words if isinstance(w, str)).strip())
        elif section[0] == 10 and len(section) > 1:  # a card: markdown or html source
            try:
                _name, payload = cards[section[1]]
            except (IndexError, TypeError, ValueError):
                continue
            source = payload.get("markdown") or payload.get("html") or ""
            paragraphs.extend(p.strip() for p in html_to_text(source).split("\n\n"))
    return [p for p in paragraphs if p]
