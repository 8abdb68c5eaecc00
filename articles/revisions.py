"""Article revisions: the whole article at a moment; compare, restore, undelete.

Design. A revision is one row of the article's django-simple-history table. Besides the
article's own fields the row carries `inline_state`: a JSON snapshot of the article's ordered
authors, topics, sources and curated related links, taken when the row is written. We chose
a snapshot over `as_of` queries on the four inline history tables because `as_of` attributes
inline rows to a revision by comparing `history_date` across tables: rows written in the same
microsecond (ties, coarse clocks) or an admin save that writes the article before its
inlines end up in the wrong revision, and differently on SQLite and PostgreSQL. A snapshot
is exact on every database, and reading one revision costs one row. The inline tables keep
their own history as well (who removed which source, deleted rows stay recoverable).

When a revision is written:
- `Article.save()` writes one (through `ArticleHistoricalRecords` → `prepare_revision`) only
  when the fields or the inline snapshot differ from the latest revision: no noise.
  "Latest" is the highest `history_id` (insertion order), so equal dates never mislead.
- A change to an inline row made in code (services, scripts) writes an article revision;
  rows added in the same transaction that created the article (seed_demo, factories, an API
  create) join the creation revision instead, since nobody could see the article without them.
- Inside `collecting()` (an admin save, an import of one article) nothing is written
  automatically: the block's owner writes ONE revision per touched article after the form
  and all inline formsets are saved (`record_revision`, `touched_articles`).
- Deleting an article snapshots its inline rows at `pre_delete` (before the cascade).
- Bulk writes (`bulk_create_with_history`, `bulk_update_with_history`) write rows without a
  snapshot; a NULL `inline_state` means "inline rows as in the previous revision".

Acting user. Admin requests: simple-history's HistoryRequestMiddleware. Services take `user=`.
Management commands take `--user <username>` and otherwise act as the inactive system user
"system" (`command_user()`), inside `acting_as(user)`, so a history row never lacks an author.
"""

import contextvars
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import SequenceMatcher
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from simple_history.models import HistoricalRecords

from related.models import RelatedLink

from . import services
from .history import ArticleHistoricalRecords
from .models import (
    Article,
    ArticleAuthor,
    ArticleTopic,
    Author,
    Image,
    PublicCorrection,
    Source,
    Topic,
    unique_slug,
)
from .sanitize import html_to_text

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


# --- Capturing revisions ---------------------------------------------------------------


def inline_state(article):
    """The article's inline rows as they are now (one query per kind)."""
    return {kind.name: [kind.snapshot(obj) for obj in kind.rows(article.pk)] for kind in INLINES}


def _comparable(state):
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
    return _comparable(state) != _comparable(resolved_state(row))


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


# --- Reading revisions -----------------------------------------------------------------


def user_label(user):
    if user is None:
        return "unknown"
    return user.get_full_name() or user.get_username()


def revision_list(article):
    """All revisions of an article, newest first, light enough to paginate."""
    return (
        HistoricalArticle()
        .objects.filter(id=article.pk)
        .select_related("history_user")
        .only(
            "history_id",
            "history_date",
            "history_type",
            "history_change_reason",
            "status",
            "published_at",
            "title",
            "id",
            "history_user",
        )  # fmt: skip
        .order_by("-history_date", "-history_id")
    )


def get_revision(article_id, history_id):
    return (
        HistoricalArticle()
        .objects.select_related("history_user")
        .get(id=article_id, history_id=history_id)
    )


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@dataclass(frozen=True)
class PublishedRevision:
    history_id: int
    revision_date: datetime
    change_reason: str
    fields: dict


def published_revisions(article):
    """The revisions of `article` that readers could see, newest first (for the public API).

    A revision was public when its status was published, its publication time has come, and
    no later revision replaced it before that time. No editor identities or e-mail addresses.
    """
    rows = list(
        HistoricalArticle()
        .objects.filter(id=article.pk)
        .defer("history_user")
        .order_by("history_date", "history_id")
    )
    now = timezone.now()
    result, state = [], EMPTY_STATE
    for row, following in zip(rows, [*rows[1:], None], strict=True):
        state = row.inline_state if row.inline_state is not None else state  # bulk rows inherit
        if row.history_type == "-" or row.status != Article.Status.PUBLISHED:
            continue
        if row.published_at is None or row.published_at > now:
            continue
        if following is not None and following.history_date <= row.published_at:
            continue  # replaced before it went live
        result.append(
            PublishedRevision(
                history_id=row.history_id,
                revision_date=row.history_date,
                change_reason=_EMAIL.sub("[e-mail removed]", row.history_change_reason or ""),
                fields=public_fields(row, state),
            )
        )
    result.reverse()
    return result


def public_fields(row, state):
    values = {name: getattr(row, name) for name in PUBLIC_FIELDS}
    values["authors"] = [author["label"] for author in state.get("authors", [])]
    values["topics"] = sorted(topic["label"] for topic in state.get("topics", []))
    values["sources"] = [
        {key: source.get(key) for key in ("title", "url", "publisher", "published_on", "accessed_on", "note")}
        for source in state.get("sources", [])
    ]  # fmt: skip
    return values


# --- Comparing revisions ---------------------------------------------------------------


@dataclass
class FieldChange:
    name: str
    label: str
    old: object
    new: object


@dataclass
class InlineChange:
    change: str  # added, removed, changed, reordered
    text: str


@dataclass
class Comparison:
    older: object
    newer: object
    fields: list = field(default_factory=list)
    body_diff: str | None = None
    inlines: dict = field(default_factory=dict)

    @property
    def has_changes(self):
        return bool(self.fields or self.body_diff or self.inlines)


def word_diff(old_text, new_text):
    """HTML of the new text with inserted words in <ins> and deleted words in <del>."""
    old_words, new_words = re.split(r"(\s+)", old_text), re.split(r"(\s+)", new_text)
    parts = []
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(new_words[b1:b2])))
            continue
        if op in {"delete", "replace"}:
            parts.append(f"<del>{escape(''.join(old_words[a1:a2]))}</del>")
        if op in {"insert", "replace"}:
            parts.append(f"<ins>{escape(''.join(new_words[b1:b2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 (every word is escaped above)


def _display(name, value, images):
    if value in (None, ""):
        return "—"
    if name == "hero_image":
        return images.get(value, f"Image {value} (deleted)")
    if name == "status":
        return Article.Status(value).label
    if name == "article_type":
        return Article.Type(value).label
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return value


def field_changes(old_values, new_values):
    """Changed fields between two dicts of article values (body excluded; it gets a word diff)."""
    names = [n for n in CONTENT_FIELDS if n != "body" and old_values[n] != new_values[n]]
    image_ids = {v for n in names if n == "hero_image" for v in (old_values[n], new_values[n])}
    images = {pk: str(image) for pk, image in Image.objects.in_bulk(image_ids - {None}).items()}
    return [
        FieldChange(
            name,
            str(Article._meta.get_field(name).verbose_name).capitalize(),
            _display(name, old_values[name], images),
            _display(name, new_values[name], images),
        )
        for name in names
    ]


def _values(row):
    return {name: getattr(row, Article._meta.get_field(name).attname) for name in CONTENT_FIELDS}


def _row_text(kind, row):
    details = [
        f"{name.replace('_', ' ')}: {row[name]}" for name in kind.fields[1:] if row.get(name)
    ]
    if kind.name != "sources":
        return row["label"]
    return row["label"] + (f" ({'; '.join(details)})" if details else "")


def inline_changes(old_state, new_state):
    """Per kind of inline: rows added, removed, changed and a change of order."""
    result = {}
    for kind in INLINES:
        old_rows = {row[kind.key]: row for row in old_state.get(kind.name, [])}
        new_rows = {row[kind.key]: row for row in new_state.get(kind.name, [])}
        changes = [
            InlineChange("removed", _row_text(kind, row))
            for key, row in old_rows.items()
            if key not in new_rows
        ]
        changes += [
            InlineChange("added", _row_text(kind, row))
            for key, row in new_rows.items()
            if key not in old_rows
        ]
        content = [f for f in kind.fields if f not in {"order", kind.key}]
        for key in old_rows.keys() & new_rows.keys():
            old, new = old_rows[key], new_rows[key]
            diffs = [
                f"{name.replace('_', ' ')}: “{old.get(name) or '—'}” → “{new.get(name) or '—'}”"
                for name in content
                if old.get(name) != new.get(name)
            ]
            if diffs:
                changes.append(InlineChange("changed", f"{new['label']}: {'; '.join(diffs)}"))
        if kind.ordered:
            common_old = [row["label"] for key, row in old_rows.items() if key in new_rows]
            common_new = [row["label"] for key, row in new_rows.items() if key in old_rows]
            if common_old != common_new:
                changes.append(
                    InlineChange("reordered", f"{', '.join(common_old)} → {', '.join(common_new)}")
                )
        if changes:
            result[kind.label] = changes
    return result


def compare_revisions(older, newer):
    """What changed from revision `older` to revision `newer` (either order is accepted)."""
    if (older.history_date, older.history_id) > (newer.history_date, newer.history_id):
        older, newer = newer, older
    comparison = Comparison(older=older, newer=newer)
    comparison.fields = field_changes(_values(older), _values(newer))
    if older.body != newer.body:
        comparison.body_diff = word_diff(html_to_text(older.body), html_to_text(newer.body))
    comparison.inlines = inline_changes(resolved_state(older), resolved_state(newer))
    return comparison


def conflict_changes(current, submitted_values):
    """Field diffs between the stored article and what a stale form submitted."""
    current_values = {
        name: getattr(current, Article._meta.get_field(name).attname) for name in CONTENT_FIELDS
    }
    submitted = {**current_values, **submitted_values}
    body_diff = None
    if submitted["body"] != current_values["body"]:
        body_diff = word_diff(
            html_to_text(current_values["body"]), html_to_text(submitted["body"] or "")
        )
    return field_changes(current_values, submitted), body_diff


# --- Restoring -------------------------------------------------------------------------


def _revive(model, pk):
    """Make sure the row `pk` exists, bringing it back from its history if it was deleted."""
    if pk is None or model._default_manager.filter(pk=pk).exists():
        return pk is not None
    row = model.history.filter(id=pk).order_by("-history_id").first()
    if row is None:
        return False
    instance = row.instance
    for model_field in model._meta.concrete_fields:
        target = getattr(model_field, "related_model", None)
        value = getattr(instance, model_field.attname)
        if target and value is not None and not target._default_manager.filter(pk=value).exists():
            setattr(instance, model_field.attname, None)
    instance.save()
    return True


def _restore_inlines(article, state):
    """Make the article's inline rows exactly those of `state`; returns what could not be."""
    skipped = []
    for kind in INLINES:
        wanted = {row["id"]: row for row in state.get(kind.name, [])}
        kept = set()
        for obj in kind.rows(article.pk):
            row = wanted.get(obj.pk)
            if row is not None and _comparable({"x": [kind.snapshot(obj)]}) == _comparable(
                {"x": [row]}
            ):
                kept.add(obj.pk)
            else:
                obj.delete()
        for row in state.get(kind.name, []):
            if row["id"] in kept:
                continue
            values = {}
            for name in kind.fields:
                model_field = kind.model._meta.get_field(name)
                value = row[name]
                if isinstance(model_field, models.DateField) and value:
                    value = date.fromisoformat(value)
                values[model_field.attname] = value
            target = {"author": Author, "topic": Topic}.get(kind.key)
            if target is not None and not _revive(target, row[kind.key]):
                skipped.append(f"{kind.label}: {row['label']}")
                continue
            if kind.key == "to_article" and not Article.objects.filter(pk=row[kind.key]).exists():
                skipped.append(f"{kind.label}: {row['label']} (deleted)")
                continue
            pk_free = not kind.model._default_manager.filter(pk=row["id"]).exists()
            kind.model._default_manager.create(
                pk=row["id"] if pk_free else None, **{f"{kind.fk}_id": article.pk}, **values
            )
    return skipped


def restore_reason(revision):
    when = date_format(timezone.localtime(revision.history_date), "j M Y H:i")
    return f"Restored revision of {when} by {user_label(revision.history_user)}"


@dataclass
class RestoreResult:
    article: Article
    revision: object  # the new history row, None when the article already matched
    skipped: list


@transaction.atomic
def restore_revision(*, revision, user, restore_status=False):
    """Bring back a revision's fields and inline rows, as a new revision.

    The article keeps its current status and publication time unless `restore_status`.
    """
    article = Article.objects.select_for_update().get(pk=revision.id)
    if not article.editable_by(user):
        raise PermissionDenied("You may not edit this article.")
    if restore_status and not article.status_change_allowed(user, revision.status):
        raise PermissionDenied("You may not publish, schedule, unpublish or archive articles.")
    old_slug = article.slug
    for name in CONTENT_FIELDS:
        if name in WORKFLOW_FIELDS and not restore_status:
            continue
        attname = Article._meta.get_field(name).attname
        setattr(article, attname, getattr(revision, attname))
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    if Article.objects.exclude(pk=article.pk).filter(slug=article.slug).exists():
        article.slug = old_slug
    if not _revive(Image, article.hero_image_id):
        article.hero_image_id = None
    with collecting():
        article.skip_history_when_saving = True
        try:
            article.save()
        finally:
            del article.skip_history_when_saving
        skipped = _restore_inlines(article, resolved_state(revision))
    services.remember_old_slug(article=article, old_slug=old_slug)
    row = record_revision(article=article, user=user, reason=restore_reason(revision))
    return RestoreResult(article, row, skipped)


def deleted_articles():
    """The last history row of every article that is deleted now, newest deletion first."""
    model = HistoricalArticle()
    last = model.objects.filter(id=OuterRef("id")).order_by("-history_id").values("history_id")
    return (
        model.objects.filter(history_type="-", history_id=Subquery(last[:1]))
        .exclude(id__in=Article.objects.values("pk"))
        .select_related("history_user")
        .only("history_id", "history_date", "id", "title", "status", "history_user")
        .order_by("-history_date", "-history_id")
    )


@transaction.atomic
def undelete_article(*, article_id, user):
    """Bring a deleted article back with its fields and inline rows, as a new revision."""
    deletion = deleted_articles().filter(id=article_id).first()
    if deletion is None:
        raise Article.DoesNotExist("This article is not deleted.")
    deletion = (
        HistoricalArticle()
        .objects.select_related("history_user")
        .get(history_id=deletion.history_id)
    )
    article = deletion.instance
    if not (user.has_perm("articles.add_article") and article.editable_by(user)):
        raise PermissionDenied("You may not restore this article.")
    if Article.objects.filter(slug=article.slug).exists():
        article.slug = unique_slug(Article, article.title, fallback="article")
    if not _revive(Image, article.hero_image_id):
        article.hero_image_id = None
    with collecting():
        article.skip_history_when_saving = True
        try:
            article.save(force_insert=True)
        finally:
            del article.skip_history_when_saving
        skipped = _restore_inlines(article, resolved_state(deletion))
    when = date_format(timezone.localtime(deletion.history_date), "j M Y H:i")
    reason = f"Restored after deletion on {when} by {user_label(deletion.history_user)}"
    row = record_revision(article=article, user=user, reason=reason)
    return RestoreResult(article, row, skipped)


@transaction.atomic
def record_public_correction(*, article, revision, note):
    """Tell readers about a change to a published article ("Updated <date>: <note>")."""
    return PublicCorrection.objects.create(
        article=article, noted_at=revision.history_date, note=note, history_id=revision.history_id
    )


def public_correction_due(*, was_status, was_published_at):
    """Corrections are public notices only for an article readers could already see."""
    return (
        was_status == Article.Status.PUBLISHED
        and was_published_at is not None
        and was_published_at <= timezone.now()
    )
