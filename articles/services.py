"""Writes with side effects on articles: publishing workflow and slug changes."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from simple_history.utils import update_change_reason

from related.services import refresh_suggestions

from .models import Article, LegacyPath


def _change_status(*, article, user, new_status, reason, published_at=None):
    if not article.status_change_allowed(user, new_status):
        raise PermissionDenied("You may not publish, schedule, unpublish or archive articles.")
    article.status = new_status
    if published_at is not None:
        article.published_at = published_at
    article._change_reason = reason
    article.save()
    refresh_suggestions(article=article)
    return article


@transaction.atomic
def submit_for_review(*, article, user):
    return _change_status(
        article=article,
        user=user,
        new_status=Article.Status.IN_REVIEW,
        reason="Submitted for review",
    )


@transaction.atomic
def publish_article(*, article, user, at=None):
    """Publish now, or at `at` (a future time schedules the article)."""
    now = timezone.now()
    when = at or article.published_at
    if when is None or (when <= now and article.status != Article.Status.PUBLISHED):
        when = now  # a stale date on a draft means "now", not back-dated
    reason = "Scheduled" if when > now else "Published"
    return _change_status(
        article=article,
        user=user,
        new_status=Article.Status.PUBLISHED,
        reason=reason,
        published_at=when,
    )


@transaction.atomic
def unpublish_article(*, article, user):
    return _change_status(
        article=article, user=user, new_status=Article.Status.DRAFT, reason="Unpublished"
    )


@transaction.atomic
def archive_article(*, article, user):
    return _change_status(
        article=article, user=user, new_status=Article.Status.ARCHIVED, reason="Archived"
    )


def remember_old_slug(*, article, old_slug):
    """Keep an article's previous address answering with a redirect to the new one."""
    if old_slug and old_slug != article.slug:
        old_path = article.get_absolute_url().replace(f"/{article.slug}/", f"/{old_slug}/")
        LegacyPath.objects.update_or_create(path=old_path, defaults={"article": article})
        LegacyPath.objects.filter(path=article.get_absolute_url()).delete()


def set_change_reason(instance, reason):
    """Attach a change note to the latest history row of `instance`."""
    if reason:
        update_change_reason(instance, reason)
