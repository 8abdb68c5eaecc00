"""Restoring revisions and deleted articles: bringing rows back as a revision describes them.

These helpers write rows; they run inside the write path (`articles.services.restore_revision`
and `undelete_article`), which locks, checks permissions and records the new revision.
"""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from ..models import Article, Image
from .capture import (
    CONTENT_FIELDS,
    INLINES,
    WORKFLOW_FIELDS,
    HistoricalArticle,
    comparable_state,
)
from .reading import user_label


def revive(model, pk):
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


def restore_inlines(article, state):
    """Make the article's inline rows exactly those of `state`; returns what could not be."""
    skipped = []
    for kind in INLINES:
        wanted = {row["id"]: row for row in state.get(kind.name, [])}
        kept = set()
        for obj in kind.rows(article.pk):
            row = wanted.get(obj.pk)
            if row is not None and comparable_state(
                {"x": [kind.snapshot(obj)]}
            ) == comparable_state({"x": [row]}):
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
            if kind.target is not None:
                name, target, revivable = kind.target
                target_id = row[name]
                exists = (
                    revive(target, target_id)
                    if revivable
                    else target._default_manager.filter(pk=target_id).exists()
                )
                if not exists:
                    gone = "" if revivable else " (deleted)"
                    skipped.append(f"{kind.label}: {row['label']}{gone}")
                    continue
            pk_free = not kind.model._default_manager.filter(pk=row["id"]).exists()
            kind.model(
                pk=row["id"] if pk_free else None, **{f"{kind.fk}_id": article.pk}, **values
            ).save()
    return skipped


def apply_revision_fields(article, revision, *, restore_status):
    """Set the article's content fields to those of `revision` (workflow fields only when
    `restore_status`); a slug taken meanwhile and a deleted hero image are left alone."""
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
    if not revive(Image, article.hero_image_id):
        article.hero_image_id = None
    return article


def restore_reason(revision):
    when = date_format(timezone.localtime(revision.history_date), "j M Y H:i")
    return f"Restored revision of {when} by {user_label(revision.history_user)}"


def undelete_reason(deletion):
    when = date_format(timezone.localtime(deletion.history_date), "j M Y H:i")
    return f"Restored after deletion on {when} by {user_label(deletion.history_user)}"


@dataclass
class RestoreResult:
    article: Article
    revision: object  # the new history row, None when the article already matched
    skipped: list


def deleted_articles():
    """The last history row of every article that is deleted now, newest deletion first."""
    model = HistoricalArticle()
    last = model.objects.filter(id=OuterRef("id")).order_by("-history_id").values("history_id")
    return (
        model.objects.filter(history_type="-", history_id=Subquery(last[:1]))
        .filter(working_copy_of__isnull=True)  # a working copy is published or discarded
        .exclude(id__in=Article.objects.values("pk"))
        .select_related("history_user")
        .only("history_id", "history_date", "id", "title", "status", "history_user")
        .order_by("-history_date", "-history_id")
    )


def public_correction_due(*, was_status, was_published_at):
    """Corrections are public notices only for an article readers could already see."""
    return (
        was_status == Article.Status.PUBLISHED
        and was_published_at is not None
        and was_published_at <= timezone.now()
    )
