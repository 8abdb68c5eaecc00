"""The editorial dashboard on the admin's front page: what awaits whom."""

from datetime import timedelta

from django import template
from django.db.models import Q
from django.utils import timezone

from articles.models import Article
from articles.policy import policy

register = template.Library()
Status = Article.Status
ROWS = 10


@register.inclusion_tag("admin/articles/dashboard.html", takes_context=True)
def editorial_dashboard(context):
    """Five short lists, one query each: my drafts, awaiting review, changes requested,
    scheduled (articles and approved changes), recently published."""
    user = context["request"].user
    if not user.has_perm("articles.view_article"):
        return {"show": False}
    visible = policy.visible_in_admin(user, Article.objects.all()).select_related("working_copy_of")
    now = timezone.now()
    mine = visible.filter(
        created_by=user, status__in=[Status.DRAFT, Status.CHANGES_REQUESTED]
    ).order_by("-updated_at")
    scheduled = visible.filter(
        Q(status=Status.PUBLISHED, published_at__gt=now, working_copy_of__isnull=True)
        | Q(changes_publish_at__isnull=False)
    ).order_by("published_at")
    recent = visible.filter(
        status=Status.PUBLISHED,
        published_at__lte=now,
        published_at__gte=now - timedelta(days=14),
        working_copy_of__isnull=True,
    ).order_by("-published_at")
    return {
        "show": True,
        "lists": [
            ("My drafts", list(mine[:ROWS]), "You have no drafts."),
            (
                "Awaiting review",
                list(visible.awaiting_review().order_by("updated_at")[:ROWS]),
                "Nothing awaits review.",
            ),
            (
                "Changes requested",
                list(
                    visible.filter(status=Status.CHANGES_REQUESTED).order_by("-updated_at")[:ROWS]
                ),
                "No changes requested.",
            ),
            ("Scheduled", list(scheduled[:ROWS]), "Nothing is scheduled."),
            ("Recently published", list(recent[:ROWS]), "Nothing published in two weeks."),
        ],
    }


@register.filter
def desk_target(article):
    """The article the admin opens for a row: the live one for a working copy."""
    return article.working_copy_of or article
