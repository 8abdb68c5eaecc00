"""WordPress REST API JSON: a list of posts as `/wp-json/wp/v2/posts?_embed` returns them
(several pages of it may be joined into one list).

Authors and terms come from `_embedded` (`author`, `wp:term`: categories and tags), the
featured image from `wp:featuredmedia`. Posts are keyed like WXR items ("the same item": GUID,
type and id), so a REST import and a WXR import of the same site find the same articles.
Protected posts (`content.protected`) are imported as drafts and reported.
"""

import html
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

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
from .common import image_item, load_json, parse_datetime, text
from .wp_content import convert_content

STATUSES = {
    "publish": "published",
    "future": "published",
    "draft": "draft",
    "pending": "in_review",
    "private": "draft",
}
UPLOADS = ("/wp-content/uploads/",)


def rendered(value):
    return text(value.get("rendered")) if isinstance(value, dict) else text(value)


def looks_like_wp_rest(data):
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], dict)
        and isinstance(data[0].get("title"), dict)
        and "rendered" in data[0]["title"]
    )


class WpRestFile:
    def __init__(self, path, *, media_dir=None):
        self.path = Path(path)
        self.media = media_dir
        data = load_json(self.path)
        if not looks_like_wp_rest(data):
            raise ImportFileError(
                f"{self.path}: not a WordPress REST API post list (expected a JSON list of "
                "posts with “title”: {{“rendered”: …}})"
            )
        self.ignored = Counter()
        self.items, self.images = [], []
        for index, post in enumerate(data):
            if not isinstance(post, dict):
                self.items.append(
                    Rejected("article", "failed", f"{self.path.name}, [{index}]", "not an object")
                )
                continue
            title = clean_title(html.unescape(rendered(post.get("title"))))
            position = f"{self.path.name}, [{index}] (post {post.get('id')} “{title[:60]}”)"
            if text(post.get("type")) not in ("", "post"):
                self.ignored[f"{post.get('type')} items"] += 1
                continue
            try:
                self.items.append(self._article(post, title, position))
            except ItemError as error:
                self.items.append(Rejected("article", "failed", position, str(error)))

    @property
    def post_count(self):
        return len(self.items)

    def _article(self, post, title, position):
        status = text(post.get("status")) or "publish"
        if status not in STATUSES:
            return Rejected("article", "skipped", position, f"status “{status}” is not imported")
        post_id = str(post.get("id") or "")
        guid = rendered(post.get("guid"))
        if not post_id and not guid:
            raise ItemError("the post has no id")
        warnings = []
        wanted = STATUSES[status]
        if not title:
            title = f"(untitled post {post_id})"
            warnings.append(f"the post has no title: imported as “{title}”")
        content = post.get("content") if isinstance(post.get("content"), dict) else {}
        if content.get("protected"):
            wanted = "draft"
            warnings.append("password-protected post imported as a draft (not public)")
        if status == "private":
            warnings.append("private post imported as a draft (not public)")
        published_at = parse_datetime(post.get("date_gmt"), "date_gmt") or parse_datetime(
            post.get("date"), "date"
        )
        if wanted == "published" and published_at is None:
            raise ItemError("a published post without a date")
        body, dropped = convert_content(rendered(content))
        if dropped:
            warnings.append(
                "dropped shortcodes: " + ", ".join(f"[{n}]" for n in sorted(set(dropped)))
            )
        embedded = post.get("_embedded") if isinstance(post.get("_embedded"), dict) else {}
        site = text(post.get("link")).split("/", 3)[:3]
        site = "/".join(site) if len(site) == 3 else ""
        key = f"wxr:{guid}#post-{post_id}" if guid else f"wxr:{site}:post:{post_id}"
        seo = post.get("yoast_head_json") if isinstance(post.get("yoast_head_json"), dict) else {}
        return ArticleItem(
            key=key[:300],
            position=position,
            fields={
                "title": title[:300],
                "status": wanted,
                "published_at": published_at,
                "body": body,
                "summary": html_to_text(rendered(post.get("excerpt"))),
                "featured": bool(post.get("sticky")),
                **({"seo_title": text(seo.get("title"), 300)} if text(seo.get("title")) else {}),
                **(
                    {"seo_description": text(seo.get("description"), 500)}
                    if text(seo.get("description"))
                    else {}
                ),
            },
            slug=text(post.get("slug")),
            authors=[
                AuthorItem(
                    key=f"wxr:{site}:author:{text(a.get('slug')) or a.get('id')}",
                    name=text(a.get("name"), 200),
                )
                for a in embedded.get("author") or []
                if isinstance(a, dict) and text(a.get("name"))
            ],
            topics=self._topics(embedded, site),
            hero_key=self._hero(embedded, key, position, title),
            legacy_paths=_path_of(text(post.get("link"))),
            warnings=warnings,
            language=text(post.get("lang")),
        )

    def _topics(self, embedded, site):
        topics = []
        for group in embedded.get("wp:term") or []:
            for term in group if isinstance(group, list) else []:
                if (
                    isinstance(term, dict)
                    and term.get("taxonomy") in ("category", "post_tag")
                    and text(term.get("slug")) not in ("", "uncategorized")
                ):
                    topics.append(
                        TopicItem(
                            key=f"wxr:{site}:topic:{text(term.get('slug'))}",
                            name=html.unescape(text(term.get("name"), 200)),
                        )
                    )
        return topics

    def _hero(self, embedded, key, position, title):
        media = [m for m in embedded.get("wp:featuredmedia") or [] if isinstance(m, dict)]
        if not media or not text(media[0].get("source_url")):
            return None
        first = media[0]
        hero_key = f"{key}:featured-media-{first.get('id')}"[:300]
        details = first.get("media_details") if isinstance(first.get("media_details"), dict) else {}
        item = image_item(
            key=hero_key,
            position=f"{position}, featured image",
            reference=text(first.get("source_url")),
            media=self.media,
            fields={
                "alt_text": (text(first.get("alt_text")) or title)[:300],
                "caption": html_to_text(rendered(first.get("caption")))[:500],
            },
            url_prefixes=UPLOADS,
        )
        if text(details.get("file")):
            item.candidates.insert(0, text(details["file"]))
        self.images.append(item)
        return hero_key


def _path_of(link):
    parts = urlsplit(link)
    return [unquote(parts.path)] if parts.path not in ("", "/") and not parts.query else []
