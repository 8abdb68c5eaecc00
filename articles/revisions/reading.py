"""Reading revisions: the admin list, single revisions and the public API's list."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ..models import (
    Article,
)
from .capture import (
    PUBLIC_FIELDS,
    HistoricalArticle,
    empty_state,
)


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
    result, state = [], empty_state()
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
