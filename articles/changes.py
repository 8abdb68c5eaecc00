"""The change log: what readers and partners can see changed, in commit order.

Writing. The write path (`articles.services`) calls `record()` at the end of every service, in
the service's transaction, while it holds the row lock of every article it names. Each article
row remembers what the log last said about it (`feed_state`: nothing, scheduled, live; and
`feed_slug`), so the event follows from comparing that with the article now:

    told \\ now   live                     scheduled                  gone / draft
    nothing      published                embargoed (embargo keys)   -
    scheduled    published                embargoed if it changed    unpublished/deleted (embargo)
    live         updated if it changed    unpublished + embargoed    unpublished/deleted

Public rows are for everyone; embargo rows only for keys with the embargo scope (who also get
every public row). Replaying the public rows from the start gives `Article.objects.published()`;
replaying both gives what an embargo key sees. A scheduled article goes live with no write at
all: `publish_due()` logs its `published` event (the worker runs it every few seconds, the
feed before every read, and any service touching the article).

Ordering by commit. Rows are served in `(position, id)` order, and a cursor is that pair. On
PostgreSQL `position` is the writing transaction's id (`pg_current_xact_id()`), raised to the
article's previous position when that is higher, and the feed serves only rows below
`pg_snapshot_xmin(pg_current_snapshot())`, the oldest transaction still running. Every
transaction that could still commit a row has an id of at least that xmin, so every row it
commits later has a position at least that high: above every position already served. A
cursor therefore never moves past a row that appears later, however long a transaction stays
open; such a transaction only holds the feed back until it ends. The raise keeps the events of
one article in the order they happened: they are written under the article's row lock, so a
later event is written after the earlier one committed, and takes a position no lower.
(A transaction sees its own rows too, so a test inside one transaction can read the feed.)
On SQLite writers are serialised by the database lock, so `position` is simply the next number.

Validators. `committed_at` is stamped just after the commit (an empty one reads as "now"), so
Last-Modified values derived from the log never predate a change a client could not yet see.
"""

import base64
import binascii
import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    Max,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.http import http_date

from .models import Article, ContentChange, FeedState

Kind = ContentChange.Kind
Audience = ContentChange.Audience
Subject = ContentChange.Subject
ARTICLE_EVENTS = [Kind.PUBLISHED, Kind.UPDATED, Kind.UNPUBLISHED, Kind.DELETED, Kind.EMBARGOED]


class BadCursor(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Cursor:
    position: int
    id: int

    def encode(self):
        raw = f"c2.{self.position}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text):
        try:
            padded = text + "=" * (-len(text) % 4)
            tag, position, row_id = (
                base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii").split(".")
            )
            if tag != "c2" or not (position.isdigit() and row_id.isdigit()):
                raise ValueError
            return cls(int(position), int(row_id))
        except (ValueError, UnicodeError, binascii.Error):
            raise BadCursor(
                "Not a cursor of this feed (cursors from before 2026-12 are void: "
                "replay from the start, without `since`)."
            ) from None


START = Cursor(0, 0)


@dataclass
class Touched:
    """An article the running service changed (or deleted), as the change log needs it."""

    article: Article
    content_changed: bool
    deleted: bool = False


def _now_state(article, deleted):
    if deleted:
        return FeedState.NONE
    if article.is_live:
        return FeedState.LIVE
    if article.is_scheduled:
        return FeedState.SCHEDULED
    return FeedState.NONE


def _events(touched, now):
    """The (audience, kind, previous_slug) events of one article, oldest first."""
    article, told = touched.article, touched.article.feed_state
    state = _now_state(article, touched.deleted)
    gone = Kind.DELETED if touched.deleted else Kind.UNPUBLISHED
    renamed = article.feed_slug if article.feed_slug and article.feed_slug != article.slug else ""
    changed = touched.content_changed or bool(renamed)
    if state == FeedState.LIVE:
        if told != FeedState.LIVE:
            return [(Audience.PUBLIC, Kind.PUBLISHED, "")]
        return [(Audience.PUBLIC, Kind.UPDATED, renamed)] if changed else []
    if state == FeedState.SCHEDULED:
        if told == FeedState.LIVE:
            return [(Audience.PUBLIC, Kind.UNPUBLISHED, ""), (Audience.EMBARGO, Kind.EMBARGOED, "")]
        if told == FeedState.NONE or changed:
            return [(Audience.EMBARGO, Kind.EMBARGOED, renamed)]
        return []
    if told == FeedState.LIVE:
        return [(Audience.PUBLIC, gone, "")]
    if told == FeedState.SCHEDULED:
        return [(Audience.EMBARGO, gone, "")]
    return []


def _positions(subject_ids):
    """The position for new rows of each (subject, object id): see the module docstring."""
    if connection.vendor != "postgresql":
        top = ContentChange.objects.aggregate(top=Max("position"))["top"] or 0
        return None, dict.fromkeys(subject_ids, top + 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        xid = cursor.fetchone()[0]
    previous = {}
    by_subject = {}
    for subject, object_id in subject_ids:
        by_subject.setdefault(subject, []).append(object_id)
    for subject, ids in by_subject.items():
        rows = (
            ContentChange.objects.filter(subject=subject, object_id__in=ids)
            .values_list("object_id")
            .annotate(top=Max("position"))
        )
        previous.update({(subject, object_id): top for object_id, top in rows})
    return xid, {key: max(xid, previous.get(key, 0)) for key in subject_ids}


def record(touched, *, subjects=(), now=None):
    """Append the change-log rows for `touched` articles and `subjects` (other objects whose
    change readers see: [(subject, object_id, audience)]), inside the running transaction.

    The caller holds the row lock of every touched article. Updates the articles' bookkeeping
    (`feed_state`, `feed_slug`, `modified_at`). Returns the rows written.
    """
    now = now or timezone.now()
    planned = []
    for item in sorted(touched, key=lambda t: t.article.pk):
        for audience, kind, previous_slug in _events(item, now):
            planned.append((item, audience, kind, previous_slug))
    if not planned and not subjects:
        _remember_states(touched, now, written={})
        return []
    keys = {(Subject.ARTICLE, item.article.pk) for item, *_ in planned}
    keys |= {(subject, object_id) for subject, object_id, _ in subjects}
    xid, positions = _positions(sorted(keys))
    rows = []
    for item, audience, kind, previous_slug in planned:
        article = item.article
        modified = now if item.content_changed or kind != Kind.PUBLISHED else _went_live(article)
        gone = kind in (Kind.UNPUBLISHED, Kind.DELETED)
        rows.append(
            ContentChange(
                position=positions[(Subject.ARTICLE, article.pk)],
                xid=xid,
                subject=Subject.ARTICLE,
                object_id=article.pk,
                kind=kind,
                audience=audience,
                slug=(article.feed_slug or article.slug) if gone else article.slug,
                previous_slug=previous_slug,
                language=article.language,
                modified_at=modified,
                embargoed_until=article.published_at if kind == Kind.EMBARGOED else None,
                recorded_at=now,
            )
        )
    for subject, object_id, audience in subjects:
        rows.append(
            ContentChange(
                position=positions[(subject, object_id)],
                xid=xid,
                subject=subject,
                object_id=object_id,
                kind=Kind.UPDATED,
                audience=audience,
                modified_at=now,
                recorded_at=now,
            )
        )
    rows = ContentChange.objects.bulk_create(rows)
    written = {row.object_id: row.modified_at for row in rows if row.subject == Subject.ARTICLE}
    _remember_states(touched, now, written=written)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: stamp_committed(ids))
    return rows


def _went_live(article):
    """A scheduled article that went live with no edit changed when it went live."""
    times = [t for t in (article.modified_at, article.published_at) if t is not None]
    return max(times)


def _remember_states(touched, now, *, written):
    changed = []
    for item in touched:
        if item.deleted:
            continue
        article = item.article
        state = _now_state(article, deleted=False)
        slug = article.slug if state != FeedState.NONE else ""
        modified = written.get(article.pk, article.modified_at)
        if (article.feed_state, article.feed_slug, article.modified_at) != (
            state,
            slug,
            modified,
        ):
            article.feed_state, article.feed_slug, article.modified_at = state, slug, modified
            changed.append(article)
    if changed:
        # Bookkeeping outside the revision history (see articles.history).
        _store_states(changed)


def _store_states(articles):
    """Write the articles' feed bookkeeping: on PostgreSQL one UPDATE from arrays (bulk_update's
    CASE per row and column costs more Python than the rest of an import batch's log)."""
    if connection.vendor != "postgresql":
        Article.objects.bulk_update(articles, ["feed_state", "feed_slug", "modified_at"])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Article._meta.db_table} AS a "
            "SET feed_state = v.state, feed_slug = v.slug, modified_at = v.modified "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[]) "
            "AS v(id, state, slug, modified) WHERE a.id = v.id",
            [
                [a.pk for a in articles],
                [str(a.feed_state) for a in articles],
                [a.feed_slug for a in articles],
                [a.modified_at for a in articles],
            ],
        )


def stamp_committed(ids):
    ContentChange.objects.filter(pk__in=ids, committed_at__isnull=True).update(
        committed_at=timezone.now()
    )


# --- Reading ---------------------------------------------------------------------------------


def audiences_for(key):
    """The change-log audiences a partner key (or None, anonymous) may read."""
    if key is not None and key.can_see_embargoed:
        return [Audience.PUBLIC, Audience.EMBARGO]
    return [Audience.PUBLIC]


def _settled():
    """Rows no running transaction can still precede (PostgreSQL), plus our own rows."""
    if connection.vendor != "postgresql":
        return Q()
    return Q(position__lt=RawSQL("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", [])) | Q(
        xid=RawSQL("pg_current_xact_id_if_assigned()::text::bigint", [])
    )


def article_events(*, since=START, limit=100, audiences=(Audience.PUBLIC,), annotate=None):
    """Up to `limit` article events after `since` for `audiences`, and whether more follow.
    `annotate`: a function applied to the query (to read a validator in the same round trip)."""
    rows = (
        ContentChange.objects.filter(subject=Subject.ARTICLE, audience__in=audiences)
        .filter(Q(position__gt=since.position) | Q(position=since.position, id__gt=since.id))
        .filter(_settled())
        .order_by("position", "id")
    )
    rows = list((annotate(rows) if annotate else rows)[: limit + 1])
    return rows[:limit], len(rows) > limit


def cursor_of(row):
    return Cursor(row.position, row.pk)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def last_change_expression(audiences, now):
    """When what `audiences` can see last changed, as an SQL expression: the newest committed
    log row (a row whose commit time is not stamped yet counts as now) or the newest
    publication that came due. Every validator of the API (Last-Modified) is this moment, so no
    If-Modified-Since can confirm a copy older than any change its holder could see. Views
    annotate it onto the query they run anyway (no extra round trip).

    The same expression serves every API request, so it is compiled once per set of audiences
    (building it is most of what the API's one query costs in Python) and only `now` changes.
    """
    sql, params = _compiled_last_change(tuple(sorted(audiences)), connection.vendor)
    moment = DateTimeField().get_db_prep_value(now, connection)
    return RawSQL(
        sql, [moment if param is _NOW else param for param in params], output_field=DateTimeField()
    )


# Stands for the moment of the request in the compiled expression.
_NOW = datetime(2000, 1, 1, tzinfo=UTC)


@functools.cache
def _compiled_last_change(audiences, vendor):
    log = ContentChange.objects.filter(audience__in=audiences)
    committed = log.filter(committed_at__isnull=False).order_by("-committed_at")
    due = Article.objects.filter(status=Article.Status.PUBLISHED, published_at__lte=_NOW)
    expression = Case(
        When(Exists(log.filter(committed_at__isnull=True)), then=Value(_NOW)),
        default=Greatest(
            Coalesce(Subquery(committed.values("committed_at")[:1]), Value(EPOCH)),
            Coalesce(
                Subquery(due.order_by("-published_at").values("published_at")[:1]), Value(EPOCH)
            ),
        ),
        output_field=DateTimeField(),
    )
    query = ContentChange.objects.annotate(moment=expression).query
    sql, params = query.get_compiler(connection=connection).compile(query.annotations["moment"])
    # `_NOW` itself wherever the moment is (as the database gets it), told from the others.
    stand_in = DateTimeField().get_db_prep_value(_NOW, connection)
    return sql, tuple(_NOW if param == stand_in else param for param in params)


def last_change(audiences):
    """`last_change_expression` on its own (one query), None when nothing was ever logged."""
    now = timezone.now()
    moment = (
        ContentChange.objects.annotate(moment=last_change_expression(audiences, now))
        .values_list("moment", flat=True)
        .first()
    )
    if moment is None:  # an empty log: the newest due publication, if any
        moment = (
            Article.objects.published()
            .order_by("-published_at")
            .values_list("published_at", flat=True)
            .first()
        )
    return None if moment is None or moment == EPOCH else moment


def http_last_modified(moment):
    """The Last-Modified header for content last changed at `moment`, or None.

    HTTP dates count whole seconds: the header names the end of the second of the change,
    and only once that second is over, so that a later change always gets a later header and
    no If-Modified-Since from a copy taken in the same second can be confirmed."""
    if moment is None or moment == EPOCH:
        return None
    second = math.ceil(moment.timestamp())
    if second > timezone.now().timestamp():
        return None
    return http_date(second)


def changed_since(moment: datetime, audiences):
    """Ids of the articles with an event for `audiences` committed at or after `moment` (not
    yet stamped counts as now), and of those whose publication came due since then."""
    events = ContentChange.objects.filter(subject=Subject.ARTICLE, audience__in=audiences).filter(
        Q(committed_at__gte=moment) | Q(committed_at__isnull=True)
    )
    due = Article.objects.published().filter(published_at__gte=moment)
    return Q(pk__in=events.values("object_id")) | Q(pk__in=due.values("pk"))


def due_articles():
    """Scheduled articles whose time has come but whose `published` event is not logged yet."""
    return Article.objects.published().filter(feed_state=FeedState.SCHEDULED)


def next_scheduled_publication():
    """When the next scheduled article goes live (caches of public pages expire then)."""
    return (
        Article.objects.scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def stamp_settled():
    """Stamp the commit time of logged rows whose on-commit stamp never ran (a process that
    died right after its commit): now is later than their commit, which is what validators
    need (see the module docstring)."""
    pending = ContentChange.objects.filter(committed_at__isnull=True)
    if connection.vendor == "postgresql":
        pending = pending.filter(
            position__lt=RawSQL("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", [])
        )
    return pending.update(committed_at=timezone.now())
