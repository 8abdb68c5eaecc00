"""Capturing revisions: when an article history row is written and what it holds."""

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import transaction
from simple_history.models import HistoricalRecords

from related.models import RelatedLink

from ..history import ArticleHistoricalRecords
from ..models import (
    Article,
    ArticleAuthor,
    ArticleTopic,
    Source,
)

SYSTEM_USERNAME = "system"

# Article fields a revision restores and compares (created_by, import_key and derived
# fields such as updated_at, version and reading_time are provenance, not content).
CONTENT_FIELDS = [
    "title", "slug", "dek", "summary", "body", "article_type", "hero_image",
    "status", "published_at", "licence", "canonical_url",
]  # fmt: skip
WORKFLOW_FIELDS = {"status", "published_at"}
PUBLIC_FIELDS = [
    "title", "slug", "dek", "summary", "body", "article_type", "published_at", "licence",
    "canonical_url",
]  # fmt: skip


@dataclass(frozen=True)
class InlineKind:
    """One kind of inline row that belongs to an article revision."""

    name: str
    label: str
    model: type
    fk: str
    key: str  # what identifies "the same row" across revisions
    fields: tuple
    order_by: tuple
    ordered: bool
    label_of: object

    def rows(self, article_id):
        queryset = self.model._default_manager.filter(**{f"{self.fk}_id": article_id})
        related = [f for f in self.fields if f in {"author", "topic", "to_article"}]
        return queryset.select_related(*related).order_by(*self.order_by)

    def snapshot(self, obj):
        row = {"id": obj.pk}
        for name in self.fields:
            value = getattr(obj, self.model._meta.get_field(name).attname)
            row[name] = value.isoformat() if isinstance(value, date) else value
        row["label"] = self.label_of(obj)
        return row


INLINES = [
    InlineKind(
        "authors", "Authors", ArticleAuthor, "article", "author", ("author", "order"),
        ("order", "pk"), True, lambda link: link.author.name,
    ),
    InlineKind(
        "topics", "Topics", ArticleTopic, "article", "topic", ("topic",),
        ("topic__name", "pk"), False, lambda link: link.topic.name,
    ),
    InlineKind(
        "sources", "Sources", Source, "article", "id",
        ("order", "title", "url", "publisher", "published_on", "accessed_on", "note"),
        ("order", "pk"), True, lambda source: source.title,
    ),
    InlineKind(
        "related", "Curated related articles", RelatedLink, "from_article", "to_article",
        ("to_article", "order"), ("order", "pk"), True, lambda link: link.to_article.title,
    ),
]  # fmt: skip
INLINE_MODELS = tuple(kind.model for kind in INLINES)
EMPTY_STATE = {kind.name: [] for kind in INLINES}

_collecting = contextvars.ContextVar("revisions_collecting", default=None)
_deleting = contextvars.ContextVar("revisions_deleting", default=frozenset())
_creations = threading.local()


def HistoricalArticle():  # noqa: N802 (reads like the model it returns)
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
        return row.inline_state
    earlier = (
        HistoricalArticle()
        .objects.filter(id=row.id, history_id__lt=row.history_id, inline_state__isnull=False)
        .order_by("-history_id")
        .values_list("inline_state", flat=True)
        .first()
    )
    return earlier if earlier is not None else EMPTY_STATE


def _differs(article, state, row):
    if row.history_type == "-":
        return True
    for name in CONTENT_FIELDS:
        attname = Article._meta.get_field(name).attname
        if getattr(article, attname) != getattr(row, attname):
            return True
    return comparable_state(state) != comparable_state(resolved_state(row))


def prepare_revision(article, history_type):
    """Decide whether this save is a revision, and attach its inline rows (history hook)."""
    explicit = article.__dict__.pop("_revision_explicit", False)
    if history_type == "-":
        _deleting.set(_deleting.get() - {article.pk})
        if getattr(article, "_revision_inline_state", None) is None:
            latest = latest_revision(article.pk)
            article._revision_inline_state = resolved_state(latest) if latest else EMPTY_STATE
        return True
    touched = _collecting.get()
    if touched is not None and not explicit:
        touched.add(article.pk)  # the owner of the block records one revision at its end
        return False
    state = inline_state(article)
    latest = latest_revision(article.pk)
    if latest is not None and not _differs(article, state, latest):
        return False
    article._revision_inline_state = state
    return True


def attach_inline_state(sender, instance, history_instance, **kwargs):
    history_instance.inline_state = instance.__dict__.pop("_revision_inline_state", None)
    instance._revision_row = history_instance
    if history_instance.history_type == "+":
        _remember_creation(instance.pk)


class _CreatedInTransaction:
    """An on-commit no-op: while it is pending, the article was created in this transaction."""

    def __init__(self, article_id):
        self.article_id = article_id

    def __call__(self):
        _pending_creations().pop(self.article_id, None)


def _pending_creations():
    if not hasattr(_creations, "markers"):
        _creations.markers = {}
    return _creations.markers


def _remember_creation(article_id):
    if transaction.get_connection().in_atomic_block:
        marker = _pending_creations()[article_id] = _CreatedInTransaction(article_id)
        transaction.on_commit(marker)


def _created_in_this_transaction(article_id):
    marker = _pending_creations().get(article_id)
    if marker is None:
        return False
    if any(entry[1] is marker for entry in transaction.get_connection().run_on_commit):
        return True
    _pending_creations().pop(article_id, None)
    return False


def article_pre_delete(sender, instance, **kwargs):
    """Snapshot the inline rows before the cascade deletes them."""
    instance._revision_inline_state = inline_state(instance)
    _deleting.set(_deleting.get() | {instance.pk})


def inline_history_created(sender, instance, history_instance, **kwargs):
    """An inline row changed: the article gets a revision (held back inside `collecting`)."""
    if not isinstance(instance, INLINE_MODELS):
        return
    kind = next(kind for kind in INLINES if isinstance(instance, kind.model))
    article_id = getattr(instance, f"{kind.fk}_id")
    touched = _collecting.get()
    if touched is not None:
        touched.add(article_id)
        return
    if article_id in _deleting.get():
        return
    if _created_in_this_transaction(article_id):
        latest = latest_revision(article_id)
        if latest is not None and latest.history_type == "+":
            # Rows written with a new article, before anyone could see it, join its creation.
            state = inline_state(Article(pk=article_id))
            HistoricalArticle().objects.filter(pk=latest.pk).update(inline_state=state)
            return
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return
    if history_instance.history_user_id is not None:
        article._history_user = history_instance.history_user
    article.save(update_fields=["updated_at"])  # bumps version; revision if the state changed


@contextmanager
def collecting() -> Iterator[set]:
    """Hold back per-row revisions; the caller records one revision per touched article."""
    token = _collecting.set(set())
    try:
        yield _collecting.get()
    finally:
        _collecting.reset(token)


def touched_articles():
    """Ids of the articles whose inline rows changed in the current `collecting()` block."""
    return set(_collecting.get() or ())


def record_revision(*, article, user=None, reason=None):
    """Write a revision of the article as it is now, unless nothing changed. Returns the row."""
    latest = latest_revision(article.pk)
    if user is not None:
        article._history_user = user
    article._change_reason = reason or None
    history_type = "+" if latest is None or latest.history_type == "-" else "~"
    article._revision_explicit = True
    try:
        ArticleHistoricalRecords.recorder.create_historical_record(article, history_type)
    finally:
        article.__dict__.pop("_history_user", None)
        article.__dict__.pop("_change_reason", None)
        article.__dict__.pop("_revision_explicit", None)
    return article.__dict__.pop("_revision_row", None)


def system_user():
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def command_user(username=None):
    """The user a management command acts as: `--user <username>`, else the system user."""
    if username:
        return get_user_model().objects.get(username=username)
    return system_user()


@contextmanager
def acting_as(user):
    """Every history row written inside the block names `user` (as the admin middleware does)."""
    previous = getattr(HistoricalRecords.context, "request", None)
    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        yield user
    finally:
        if previous is None:
            del HistoricalRecords.context.request
        else:
            HistoricalRecords.context.request = previous
