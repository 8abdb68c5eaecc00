"""Sending deliveries: claim them with a lease, POST them signed, record what came back.

Workers claim due deliveries with `SELECT … FOR UPDATE SKIP LOCKED` and write a lease
(`leased_until`, `lease_token`) before they send, then commit, so no transaction stays open
during the HTTP call. A worker killed mid-delivery leaves the lease to expire
(`WEBHOOK_LEASE_SECONDS`), after which another worker claims the delivery again: a delivery is
never lost, and may arrive twice (receivers deduplicate on `webhook-id`). A result is recorded
only under the lease that sent it.

Order: a delivery is due only when no earlier delivery of the same article to the same
endpoint is still pending, so each endpoint gets an article's events in commit order.

Failures are retried with exponential backoff (`WEBHOOK_RETRY_FIRST_DELAY_SECONDS`, doubling,
at most `WEBHOOK_RETRY_MAX_DELAY_SECONDS` apart) for `WEBHOOK_RETRY_FOR_SECONDS` (a day) from
the first attempt; then the delivery fails, the endpoint is disabled and its contact is told
by e-mail.
"""

import http.client
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from articles.models import ContentChange

from . import addresses
from .models import Delivery, DeliveryAttempt, Endpoint

USER_AGENT = "CPC-Webhooks/1 (Standard Webhooks)"


@dataclass
class Outcome:
    status: int | None = None
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300


def backoff(attempts):
    """How long to wait after the `attempts`-th failed attempt."""
    delay = settings.WEBHOOK_RETRY_FIRST_DELAY_SECONDS * 2 ** (attempts - 1)
    return timedelta(seconds=min(delay, settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS))


def signed_headers(delivery, now=None):
    """The Standard Webhooks headers: the signature covers id, timestamp and body, once per
    signing secret (two during a secret rotation)."""
    sent_at = now or datetime.now(UTC)
    signatures = [
        Webhook(secret).sign(delivery.message_id, sent_at, delivery.payload)
        for secret in delivery.endpoint.signing_secrets()
    ]
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def _readable(delivery, now):
    """Whether the endpoint's key may still read this event."""
    key = delivery.endpoint.key
    if key.revoked or (key.expiry_date and key.expiry_date <= now):
        return False
    return delivery.change.audience == ContentChange.Audience.PUBLIC or key.can_see_embargoed


def claim(limit, now):
    """Lease up to `limit` due deliveries; return them with their lease token."""
    earlier_pending = Delivery.objects.filter(
        endpoint=OuterRef("endpoint"),
        article_id=OuterRef("article_id"),
        status=Delivery.Status.PENDING,
        pk__lt=OuterRef("pk"),
    )
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = list(
            Delivery.objects.filter(
                status=Delivery.Status.PENDING,
                next_attempt_at__lte=now,
                endpoint__is_active=True,
            )
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
            .exclude(Exists(earlier_pending))
            .select_related("endpoint__key", "change")
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))[:limit]
        )
        cancelled = [d.pk for d in due if not _readable(d, now)]
        if cancelled:
            Delivery.objects.filter(pk__in=cancelled).update(
                status=Delivery.Status.CANCELLED, last_error="The key may no longer read this."
            )
        due = [d for d in due if d.pk not in cancelled]
        Delivery.objects.filter(pk__in=[d.pk for d in due]).update(
            leased_until=now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
            lease_token=token,
        )
    return due, token


def send(delivery):
    """POST one delivery (no database access: runs in a sending thread)."""
    started = time.monotonic()
    outcome = Outcome()
    try:
        outcome.status, _ = addresses.post(
            delivery.endpoint.url,
            delivery.payload.encode(),
            signed_headers(delivery),
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
        if not outcome.ok:
            outcome.error = f"Answered {outcome.status}."
    except addresses.UnsafeAddress as error:
        outcome.error = str(error)
    except (OSError, http.client.HTTPException) as error:
        outcome.error = f"{type(error).__name__}: {error}"[:500] or "Connection failed."
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome


def record(delivery, token, outcome):
    """Store the outcome of one attempt, if the lease that sent it still holds."""
    now = timezone.now()
    with transaction.atomic():
        current = (
            Delivery.objects.select_for_update()
            .filter(pk=delivery.pk, lease_token=token, status=Delivery.Status.PENDING)
            .first()
        )
        if current is None:  # the lease ran out and another worker took over
            return
        DeliveryAttempt.objects.create(
            delivery=current,
            attempted_at=now,
            response_status=outcome.status,
            error=outcome.error[:500],
            duration_ms=outcome.duration_ms,
        )
        current.attempts += 1
        current.first_attempt_at = current.first_attempt_at or now
        current.last_attempt_at = now
        current.last_response_status = outcome.status
        current.last_error = outcome.error[:500]
        current.leased_until, current.lease_token = None, ""
        if outcome.ok:
            current.status, current.delivered_at = Delivery.Status.DELIVERED, now
        elif now - current.first_attempt_at >= timedelta(
            seconds=settings.WEBHOOK_RETRY_FOR_SECONDS
        ):
            current.status = Delivery.Status.FAILED
            _disable(delivery.endpoint, current, now)
        else:
            current.next_attempt_at = now + backoff(current.attempts)
        current.save()


def _disable(endpoint, delivery, now):
    """Give up on a failing endpoint: disable it and tell its contact (after the commit)."""
    reason = (
        f"Deliveries failed from {delivery.first_attempt_at:%Y-%m-%d %H:%M} UTC to "
        f"{now:%Y-%m-%d %H:%M} UTC; last: {delivery.last_error or delivery.last_response_status}"
    )[:300]
    disabled = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason
    )
    if not disabled:
        return
    message = (
        f"Webhook deliveries to {endpoint.url} ({endpoint.key.partner}) have failed for more "
        f"than {settings.WEBHOOK_RETRY_FOR_SECONDS // 3600} hours, so the endpoint was "
        f"disabled and gets no new events.\n\n{reason}\n\n"
        "Once it answers again, ask us to enable it (pending deliveries are then sent), and "
        f"catch up from the change feed: {settings.SITE_URL}/api/v1/changes/ with the cursor "
        "of the last event you applied."
    )
    transaction.on_commit(
        lambda: send_mail(
            f"[{settings.SITE_NAME}] Webhook endpoint disabled: {endpoint.url}",
            message,
            None,
            [endpoint.contact],
            fail_silently=True,
        )
    )


def deliver_due(limit=None):
    """Send the deliveries that are due, `WEBHOOK_CONCURRENCY` at a time; return how many."""
    limit = limit or settings.WEBHOOK_CONCURRENCY
    due, token = claim(limit, timezone.now())
    if not due:
        return 0
    with ThreadPoolExecutor(max_workers=settings.WEBHOOK_CONCURRENCY) as pool:
        outcomes = list(pool.map(send, due))
    for delivery, outcome in zip(due, outcomes, strict=True):
        record(delivery, token, outcome)
    return len(due)


def deliver_all(max_seconds=30):
    """Send due deliveries until none is due, for at most about `max_seconds` (so that the
    worker's other jobs get their turn)."""
    sent = 0
    started = time.monotonic()
    while time.monotonic() - started < max_seconds:
        count = deliver_due()
        if not count:
            break
        sent += count
    return sent


def redeliver(deliveries):
    """Send these deliveries again now (the admin's action), with a fresh day of retries."""
    return Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=timezone.now(),
        leased_until=None,
        lease_token="",
        first_attempt_at=None,
    )
