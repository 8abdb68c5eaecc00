"""Capturing revisions: what an article history row holds and when one is written.

Revisions are written explicitly by the write path (`articles.services`), once per service call
and article, after the article and all its inline rows are saved; never by a signal.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from django.contrib.auth import get_user_model
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from ..history import UNTRACKED_ARTICLE_FIELDS
from ..models import Article, ArticleAuthor, ArticleDocument, ArticleTopic, Author, Source, Topic

SYSTEM_USERNAME = "system"

# Article fields a revision restores and compares (created_by, import_key and derived
# fields such as updated_at, version and reading_time are provenance, not content).
CONTENT_FIELDS = [
    "title", "language", "slug", "dek", "summary", "body", "article_type", "hero_image",
    "image_credit", "image_credit_url", "image_licence", "status", "published_at", "licence",
    "canonical_url", "seo_title", "seo_description",
    "social_image", "related_block_size", "related_curated_only",
]  # fmt: skip
WORKFLOW_FIELDS = {"status", "published_at"}
PUBLIC_FIELDS = [
    "title", "language", "slug", "dek", "summary", "body", "article_type", "published_at", "licence",
    "canonical_url",
]  # fmt: skip


@dataclass(frozen=True)
class InlineKind:
    """One kind of inline row that belongs to an article revision.

    `target` names the field pointing at another object (author, topic, article), its model,
    and whether a restore may bring that object back from its own history when it was deleted.
    """

    name: str
    label: str
    model: type
    fk: str
    key: str  # what identifies "the same row" across revisions
    fields: tuple
    order_by: tuple
    ordered: bool
    label_of: object
    target: tuple | None = None  # (field name, model, revivable)
    select_related: tuple = field(default=())

    def rows(self, article_id):
        queryset = self.model._default_manager.filter(**{f"{self.fk}_id": article_id})
        return queryset.select_related(*self.select_related).order_by(*self.order_by)

    def snapshot(self, obj):
        row = {"id": obj.pk}
        for name in self.fields:
            value = getattr(obj, self.model._meta.get_field(name).attname)
            if isinstance(value, FieldFile):
                value = value.name
            row[name] = value.isoformat() if isinstance(value, date) else value
        row["label"] = self.label_of(obj)
        return row


INLINES = [
    InlineKind(
        "authors", "Authors", ArticleAuthor, "article", "author", ("author", "order"),
        ("order", "pk"), True, lambda link: link.author.name, ("author", Author, True),
        ("author",),
    ),
    InlineKind(
        "topics", "Topics", ArticleTopic, "article", "topic", ("topic",),
        ("topic__name", "pk"), False, lambda link: link.topic.name, ("topic", Topic, True),
        ("topic",),
    ),
    InlineKind(
        "sources", "Sources", Source, "article", "id",
        ("order", "title", "url", "publisher", "published_on", "accessed_on", "note"),
        ("order", "pk"), True, lambda source: source.title,
    ),
    InlineKind(
        "documents", "Documents", ArticleDocument, "article", "id",
        ("order", "title", "file", "page_count", "size"),
        ("order", "pk"), True, lambda document: document.title,
    ),
]  # fmt: skip


def register_inline(kind):
    """Make rows of another app part of article revisions (the `related` app's curated links).

    Called from that app's `AppConfig.ready()`; the rows are then snapshotted, compared and
    restored with the article like its own inline rows.
    """
    if all(existing.name != kind.name for existing in INLINES):
        INLINES.append(kind)


def empty_state():
    return {kind.name: [] for kind in INLINES}


@cache
def HistoricalArticle():  # noqa: N802 (reads like the model it returns)
    # Cached: `Article.history` builds a manager class on every access (simple-history).
    return Article.history.model


def inline_state(article):
    """The article's inline rows as they are now (one query per kind)."""
    return {kind.name: [kind.snapshot(obj) for obj in kind.rows(article.pk)] for kind in INLINES}


def comparable_state(state):
    return {
        name: [{k: v for k, v in row.items() if k not in {"id", "label"}} for row in rows]
        for name, rows in state.items()
    }


def latest_revision(article_id):
    return HistoricalArticle().objects.filter(id=article_id).order_by("-history_id").first()


def resolved_state(row):
    """The inline rows of revision `row`; a bulk-written row (NULL) inherits the previous one."""
    if row.inline_state is not None:
        return {**empty_state(), **row.inline_state}
    earlier = (
        HistoricalArticle()
        .objects.filter(id=row.id, history_id__lt=row.history_id, inline_state__isnull=False)
        .order_by("-history_id")
        .values_list("inline_state", flat=True)
        .first()
    )
    return {**empty_state(), **(earlier or {})}


def _differs(article, state, row):
    if row.history_type == "-":
        return True
    for name in CONTENT_FIELDS:
        attname = Article._meta.get_field(name).attname
        if getattr(article, attname) != getattr(row, attname):
            return True
    return comparable_state(state) != comparable_state(resolved_state(row))


def revision_due(article):
    """(history type, inline state) of the revision this article needs now, or None when it
    matches its latest revision (a save that changed nothing writes no revision)."""
    state = inline_state(article)
    latest = latest_revision(article.pk)
    if latest is not None and not _differs(article, state, latest):
        return None
    return ("+" if latest is None or latest.history_type == "-" else "~"), state


def write_revision(article, *, history_type, state, user=None, reason=None, when=None):
    """Save a history row of `article` as it is in memory, with its inline rows `state`."""
    row = revision_row(
        article, history_type=history_type, state=state, user=user, reason=reason, when=when
    )
    row.save()
    return row


def revision_row(article, *, history_type, state, user=None, reason=None, when=None):
    """An unsaved history row (bulk writers save many with one query)."""
    values = {
        f.attname: getattr(article, f.attname)
        for f in Article._meta.concrete_fields
        if f.name not in UNTRACKED_ARTICLE_FIELDS
    }
    return HistoricalArticle()(
        **values,
        history_date=when or timezone.now(),
        history_type=history_type,
        history_user=user,
        history_change_reason=reason or None,
        inline_state=state,
    )


def state_from_rows(rows_by_model):
    """A revision's inline snapshot from rows in memory ({model: [rows]}), ordered as each
    kind orders them (bulk writers know the rows they just wrote)."""

    def value(obj, path):
        for name in path.split("__"):
            obj = getattr(obj, name)
        return obj

    state = {}
    for kind in INLINES:
        rows = sorted(
            rows_by_model.get(kind.model, []),
            key=lambda obj: tuple(value(obj, path) for path in kind.order_by),
        )
        state[kind.name] = [kind.snapshot(obj) for obj in rows]
    return state


def system_user():
    """The user management commands and background jobs act as: all permissions (it is the
    machine's own operator), but no password and no admin access, so nobody can log in as it."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": True, "is_superuser": True, "is_staff": False},
    )
    if created or not (user.is_active and user.is_superuser) or user.has_usable_password():
        user.is_active, user.is_superuser, user.is_staff = True, True, False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "is_superuser", "is_staff", "password"])
    return user


def command_user(username=None):
    """The user a management command acts as: `--user <username>`, else the system user."""
    if username:
        return get_user_model().objects.get(username=username)
    return system_user()
