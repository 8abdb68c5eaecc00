"""Restoring revisions and deleted articles, and public corrections."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from related.services import refresh_suggestions

from .. import services
from ..models import (
    Article,
    Author,
    Image,
    PublicCorrection,
    Topic,
    unique_slug,
)
from .capture import (
    CONTENT_FIELDS,
    INLINES,
    WORKFLOW_FIELDS,
    HistoricalArticle,
    collecting,
    comparable_state,
    record_revision,
    resolved_state,
)
from .reading import user_label


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
    refresh_suggestions(article=article)
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
    refresh_suggestions(article=article)
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
