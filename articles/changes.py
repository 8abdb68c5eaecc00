"""The change feed of the partner API, derived from the article history rows.

An article is visible while a history row says "published" and its publication time has come,
until the next row. Each history row is a boundary: where visibility or content changes there
is an event (`published`, `updated`, `unpublished`, `deleted`). A row scheduled for later gives
its `published` event at the publication time, if no other row came first. Replaying the feed
from the start (add on published/updated, remove on unpublished/deleted) gives exactly the set
of articles that `Article.objects.published()` returns.

Events are ordered by (time, history row, kind); a cursor is the position of an event.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from .models import Article

PUBLISHED = Article.Status.PUBLISHED
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BOUNDARY, DELAYED = 0, 1


class BadCursor(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Cursor:
    time: datetime
    history_id: int
    kind: int

    def encode(self):
        micros = (self.time - EPOCH) // timedelta(microseconds=1)
        raw = f"{micros}.{self.history_id}.{self.kind}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text):
        try:
            padded = text + "=" * (-len(text) % 4)
            micros, history_id, kind = (
                base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii").split(".")
            )
            if not (micros.isdigit() and history_id.isdigit() and kind in {"0", "1"}):
                raise ValueError
            return cls(EPOCH + timedelta(microseconds=int(micros)), int(history_id), int(kind))
        except (ValueError, UnicodeError, binascii.Error, OverflowError):
            raise BadCursor("Not a cursor of this feed.") from None


START = Cursor(EPOCH, 0, BOUNDARY)


@dataclass(frozen=True)
class ChangeEvent:
    event: str
    article_id: int
    slug: str
    previous_slug: str | None
    time: datetime
    cursor: Cursor


def _history():
    return Article.history.model.objects.all()


def _neighbour(field, *, before):
    """The value of `field` in the previous (or next) history row of the same article."""
    rows = _history().filter(id=OuterRef("id"))
    if before:
        rows = rows.filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        ).order_by("-history_date", "-history_id")
    else:
        rows = rows.filter(
            Q(history_date__gt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
        ).order_by("history_date", "history_id")
    return Subquery(rows.values(field)[:1])


def _visible_before(row):
    return (
        row.prev_status == PUBLISHED
        and row.prev_type != "-"
        and row.prev_published_at is not None
        and row.prev_published_at < row.history_date
    )


def _visible_at_once(row):
    return (
        row.history_type != "-"
        and row.status == PUBLISHED
        and row.published_at is not None
        and row.published_at <= row.history_date
    )


def _boundary_events(since, horizon, limit):
    rows = (
        _history()
        .annotate(
            prev_status=_neighbour("status", before=True),
            prev_published_at=_neighbour("published_at", before=True),
            prev_type=_neighbour("history_type", before=True),
            prev_slug=_neighbour("slug", before=True),
        )
        .filter(
            Q(prev_status=PUBLISHED, prev_published_at__lt=F("history_date")) & ~Q(prev_type="-")
            | Q(status=PUBLISHED, published_at__lte=F("history_date")) & ~Q(history_type="-"),
            history_date__lte=horizon,
        )
        .filter(
            Q(history_date__gt=since.time)
            | Q(history_date=since.time, history_id__gt=since.history_id)
        )
        .order_by("history_date", "history_id")
        .only("id", "slug", "status", "published_at", "history_type", "history_date", "history_id")
    )
    for row in rows[: limit + 1]:
        before, after = _visible_before(row), _visible_at_once(row)
        if before and after:
            renamed = row.prev_slug if row.prev_slug != row.slug else None
            event, slug, previous = "updated", row.slug, renamed
        elif after:
            event, slug, previous = "published", row.slug, None
        elif before:
            event = "deleted" if row.history_type == "-" else "unpublished"
            slug, previous = row.prev_slug, None
        else:  # pragma: no cover - the query selects only rows with an event
            continue
        cursor = Cursor(row.history_date, row.history_id, BOUNDARY)
        yield ChangeEvent(event, row.id, slug, previous, row.history_date, cursor)


def _delayed_events(since, horizon, limit):
    """Scheduled rows whose publication time came before the next row (or none) was written."""
    position = Q(published_at__gt=since.time) | Q(
        published_at=since.time, history_id__gt=since.history_id
    )
    if since.kind == BOUNDARY:
        position |= Q(published_at=since.time, history_id=since.history_id)
    rows = (
        _history()
        .annotate(next_date=_neighbour("history_date", before=False))
        .filter(status=PUBLISHED, published_at__gt=F("history_date"), published_at__lte=horizon)
        .exclude(history_type="-")
        .filter(Q(next_date__isnull=True) | Q(next_date__gt=F("published_at")))
        .filter(position)
        .order_by("published_at", "history_id")
        .only("id", "slug", "published_at", "history_id")
    )
    for row in rows[: limit + 1]:
        cursor = Cursor(row.published_at, row.history_id, DELAYED)
        yield ChangeEvent("published", row.id, row.slug, None, row.published_at, cursor)


def change_events(*, since=START, limit=100):
    """Up to `limit` events after `since`, and whether more follow. Two queries."""
    settle = getattr(settings, "API_CHANGES_SETTLE_SECONDS", 0)
    horizon = timezone.now() - timedelta(seconds=settle)
    events = sorted(
        [*_boundary_events(since, horizon, limit), *_delayed_events(since, horizon, limit)],
        key=lambda event: event.cursor,
    )
    return events[:limit], len(events) > limit
