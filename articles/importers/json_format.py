"""The site's own JSON export: everything needed to rebuild the content elsewhere.

Records are keyed by slug (articles, authors, topics) or by file path (images), never by
database id, so an export imports into any database. Every stored field is written except
those the database or the code derives: ids, `created_at`/`updated_at`, `version` (the edit
lock counter), `reading_time`, and image width, height, renditions and content hash (remade from the file).
Image files are referenced by their path under MEDIA_ROOT; pass that folder (or a copy) as
`--media-dir` when importing into another site.
"""

import json
import uuid
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone

from articles.models import (
    Article,
    ArticleAuthor,
    ArticleTopic,
    Author,
    Image,
    PublicCorrection,
    Source,
    Topic,
)

from .base import (
    ArticleItem,
    AuthorItem,
    ImageItem,
    ImportFileError,
    Rejected,
    RelatedRef,
    TopicItem,
    related_handler,
    validation_text,
)
from .media import safe_storage_name

FORMAT = "cpc-site-content"
FORMAT_VERSION = 1
DERIVED = {
    "id", "created_at", "updated_at", "version", "reading_time", "width", "height",
    "renditions", "renditions_status", "content_hash", "history_id", "search_vector",
    "modified_at", "feed_state", "feed_slug", "search_config",
}  # fmt: skip


def plain_fields(model, *, also_skip=()):
    """Stored, non-relation fields that an export carries."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.is_relation
        and f.name not in DERIVED
        and f.name not in also_skip
        and not getattr(f, "generated", False)
    ]


def _dump(field, instance):
    value = field.value_from_object(instance)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _record(model, instance, *, also_skip=()):
    return {f.name: _dump(f, instance) for f in plain_fields(model, also_skip=also_skip)}


def _load(model, data, *, also_skip=()):
    """Field values from a record, converted back to Python (unknown keys ignored)."""
    values = {}
    for f in plain_fields(model, also_skip=also_skip):
        if f.name in data:
            value = data[f.name]
            values[f.name] = f.to_python(value) if value is not None else None
    return values


# --- Export -------------------------------------------------------------------------------------


def export_content(stream):
    """Write the whole content as JSON to a text stream, one record at a time."""
    stream.write(
        "{"
        + f'"format": "{FORMAT}", "version": {FORMAT_VERSION}, '
        + f'"exported_at": {json.dumps(timezone.now().isoformat())}, '
        + f'"site_url": {json.dumps(settings.SITE_URL)}'
    )
    sections = [
        ("images", Image.objects.order_by("pk"), _image_record),
        ("authors", Author.objects.select_related("photo").order_by("pk"), _author_record),
        ("topics", Topic.objects.order_by("pk"), _topic_record),
        ("articles", _articles_for_export(), _article_record),
    ]
    counts = {}
    for name, queryset, to_record in sections:
        stream.write(f', "{name}": [')
        count = 0
        for instance in queryset.iterator(chunk_size=500):
            stream.write(("," if count else "") + "\n  " + json.dumps(to_record(instance)))
            count += 1
        stream.write("\n]")
        counts[name] = count
    stream.write("}\n")
    return counts


def _articles_for_export():
    return (
        Article.objects.select_related("hero_image", "created_by")
        .prefetch_related(
            Prefetch("article_authors", queryset=ArticleAuthor.objects.select_related("author")),
            Prefetch("article_topics", queryset=ArticleTopic.objects.select_related("topic")),
            "sources",
            "corrections",
            "legacy_paths",
            *_related_prefetches(),
        )
        .order_by("pk")
    )


def _related_prefetches():
    handler = related_handler()
    return handler.export_prefetches() if handler else []


def _image_record(image):
    return {"key": image.file.name, **_record(Image, image)}


def _author_record(author):
    return {
        **_record(Author, author),
        "photo": author.photo.file.name if author.photo else None,
    }


def _topic_record(topic):
    return _record(Topic, topic)


def _article_record(article):
    handler = related_handler()
    return {
        **_record(Article, article),
        "hero_image": article.hero_image.file.name if article.hero_image else None,
        "created_by": article.created_by.get_username() if article.created_by else None,
        "authors": [link.author.slug for link in article.article_authors.all()],
        "topics": sorted(link.topic.slug for link in article.article_topics.all()),
        "sources": [_record(Source, s) for s in article.sources.all()],
        "corrections": [
            _record(PublicCorrection, c, also_skip={"history_id"})
            for c in article.corrections.all()
        ],
        "legacy_paths": sorted(p.path for p in article.legacy_paths.all()),
        "related": handler.export(article) if handler else [],
    }


# --- Import -------------------------------------------------------------------------------------


class JsonFile:
    """An export file: images, authors and topics first, then articles (by slug)."""

    def __init__(self, path, *, media_dir=None):
        self.path = Path(path)
        self.media_dir = Path(media_dir) if media_dir else None
        try:
            with self.path.open(encoding="utf-8") as handle:
                self.data = json.load(handle)
        except json.JSONDecodeError as error:
            raise ImportFileError(
                f"{self.path}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
            ) from None
        except UnicodeDecodeError as error:
            raise ImportFileError(f"{self.path}: not UTF-8 text (byte {error.start})") from None
        if not isinstance(self.data, dict) or self.data.get("format") != FORMAT:
            raise ImportFileError(f'{self.path}: not a content export (no "format": "{FORMAT}")')
        if self.data.get("version") != FORMAT_VERSION:
            raise ImportFileError(f"{self.path}: export version {self.data.get('version')} unknown")
        self.ignored = {}

    @property
    def post_count(self):
        return len(self.data.get("articles", []))

    def _position(self, section, index, label):
        return f"{self.path.name}, {section}[{index}] ({label})"

    def images(self):
        for index, record in enumerate(self.data.get("images", [])):
            name = record.get("key") or record.get("file", "") if isinstance(record, dict) else ""
            if not isinstance(name, str) or not safe_storage_name(name):
                position = self._position("images", index, str(name)[:80])
                yield Rejected("image", "failed", position, "invalid file name")
                continue
            yield ImageItem(
                key=name,
                position=self._position("images", index, name),
                fields=_load(Image, record, also_skip={"file"}),
                lookup={"file": name},
                candidates=[name],
                media_dir=self.media_dir,
                label=name,
                storage_name=name,
            )

    def authors(self):
        for index, record in enumerate(self.data.get("authors", [])):
            yield self._author(record, index)

    def _author(self, record, index):
        fields = _load(Author, record, also_skip={"name", "slug"})
        photo = record.get("photo")
        if not photo:
            fields["photo"] = None
        return AuthorItem(
            key=f"slug:{record['slug']}",
            name=record["name"],
            lookup={"slug": record["slug"]},
            fields=fields,
            photo_key=photo or None,
            position=self._position("authors", index, record["slug"]),
        )

    def topics(self):
        for index, record in enumerate(self.data.get("topics", [])):
            yield self._topic(record, index)

    def _topic(self, record, index):
        return TopicItem(
            key=f"slug:{record['slug']}",
            name=record["name"],
            lookup={"slug": record["slug"]},
            fields=_load(Topic, record, also_skip={"name", "slug"}),
            position=self._position("topics", index, record["slug"]),
        )

    def articles(self):
        authors = {r["slug"]: (i, r) for i, r in enumerate(self.data.get("authors", []))}
        topics = {r["slug"]: (i, r) for i, r in enumerate(self.data.get("topics", []))}
        for index, record in enumerate(self.data.get("articles", [])):
            position = self._position("articles", index, record.get("slug", "?"))
            try:
                yield self._article(record, position, authors, topics)
            except (KeyError, TypeError, ValueError, ValidationError) as error:
                reason = validation_text(error) if isinstance(error, ValidationError) else error
                yield Rejected("article", "failed", position, f"unreadable record: {reason!r}")

    def _article(self, record, position, authors, topics):
        user_model = get_user_model()
        slug = record["slug"]
        fields = _load(Article, record, also_skip={"slug"})
        username = record.get("created_by")
        fields["created_by"] = (
            user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
            if username
            else None
        )
        for name in record["authors"]:
            if name not in authors:
                raise ValueError(f"author “{name}” is not in the export")
        for name in record["topics"]:
            if name not in topics:
                raise ValueError(f"topic “{name}” is not in the export")
        return ArticleItem(
            key=f"slug:{slug}",
            position=position,
            fields=fields,
            lookup={"slug": slug},
            slug=slug,
            authors=[self._author(authors[s][1], authors[s][0]) for s in record["authors"]],
            topics=[self._topic(topics[s][1], topics[s][0]) for s in record["topics"]],
            hero_key=record.get("hero_image") or None,
            legacy_paths=record.get("legacy_paths", []),
            related=[
                RelatedRef(
                    title=r.get("title", ""),
                    key=r.get("key", ""),
                    slug="" if r.get("pending") else r.get("slug", ""),
                    order=r.get("order"),
                )
                for r in record.get("related", [])
            ],
            sources=[_load(Source, s) for s in record.get("sources", [])],
            corrections=[
                _load(PublicCorrection, c, also_skip={"history_id"})
                for c in record.get("corrections", [])
            ],
        )
