"""The dispatcher: follows the change log and makes one delivery per endpoint and event.

It reads the log with the change feed's own reader (`articles.changes.article_events`), which
serves only rows below the oldest running transaction: an event is dispatched once its
transaction committed (never if it rolled back), and no later commit can slip in before the
dispatcher's cursor. The cursor is one row (`DispatchCursor`), locked while a batch is turned
into deliveries and moved in the same transaction as their insert: a dispatcher that dies
mid-batch leaves the cursor where it was, and `(endpoint, change)` is unique, so a batch done
twice makes no second delivery. Two dispatchers never work at once (the second skips the
locked cursor and returns).
"""

import uuid

from django.db import transaction
from django.utils import timezone

from articles import changes
from articles.models import Article, ContentChange

from . import payloads
from .models import Delivery, DispatchCursor, Endpoint

BATCH = 500
Audience = ContentChange.Audience


def _cursor_row():
    """The cursor row, locked, or None when another dispatcher holds it."""
    DispatchCursor.objects.get_or_create(pk=1)
    return DispatchCursor.objects.select_for_update(skip_locked=True).filter(pk=1).first()


def _endpoints(now):
    endpoints = Endpoint.objects.filter(is_active=True, key__revoked=False).select_related("key")
    return [e for e in endpoints if not (e.key.expiry_date and e.key.expiry_date <= now)]


def _articles(events, endpoints):
    """The articles of `events` that a full payload may show, as the API's detail loads them."""
    if not any(e.payload == Endpoint.Payload.FULL for e in endpoints):
        return {}
    ids = {event.object_id for event in events if payloads.event_type(event) in payloads.SHOWING}
    return {a.pk: a for a in Article.objects.filter(pk__in=ids).for_detail()}


def dispatch(batch=BATCH):
    """Turn the next settled events of the log into deliveries: (events read, deliveries made).

    An endpoint gets the events recorded from its creation on."""
    with transaction.atomic():
        cursor = _cursor_row()
        if cursor is None:
            return 0, 0
        events, _ = changes.article_events(
            since=changes.Cursor(cursor.position, cursor.change_id),
            limit=batch,
            audiences=[Audience.PUBLIC, Audience.EMBARGO],
        )
        if not events:
            return 0, 0
        now = timezone.now()
        endpoints = _endpoints(now)
        articles = _articles(events, endpoints)
        rendered = {}
        deliveries = []
        for event in events:
            kind = payloads.event_type(event)
            for endpoint in endpoints:
                if event.recorded_at < endpoint.created_at or not endpoint.wants(
                    kind, event.audience
                ):
                    continue
                article = articles.get(event.object_id)
                full = (
                    endpoint.payload == Endpoint.Payload.FULL
                    and kind in payloads.SHOWING
                    and payloads.readable_by(article, endpoint.key)
                )
                if full and article.pk not in rendered:
                    rendered[article.pk] = payloads.representation(article)
                deliveries.append(
                    Delivery(
                        endpoint=endpoint,
                        change=event,
                        article_id=event.object_id,
                        event_type=kind,
                        message_id=f"msg_{uuid.uuid4().hex}",
                        payload=payloads.body(
                            event, article_data=rendered[article.pk] if full else None
                        ),
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        last = events[-1]
        cursor.position, cursor.change_id = last.position, last.pk
        cursor.save(update_fields=["position", "change_id"])
    return len(events), len(deliveries)


def dispatch_all():
    """Dispatch up to the settled end of the log; return the deliveries made."""
    made = 0
    while True:
        read, count = dispatch()
        made += count
        if read < BATCH:
            return made
