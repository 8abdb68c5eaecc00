"""Webhooks: every committed event reaches a receiver on 127.0.0.1, signed, in commit order
per article, at least once; failures are retried with growing delays, then given up on."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from articles import services
from tests.api.conftest import auth, make_key
from tests.factories import delete, edit, make_article, make_draft
from tests.webhooks.conftest import make_endpoint
from webhooks import delivery, dispatch
from webhooks.models import Delivery, Endpoint, Event

# Deliveries follow committed events, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def work():
    """What `manage.py worker` does: jobs, then its periodic duties (webhooks included)."""
    call_command("worker", "--once")


def by_article(events):
    order = {}
    for event in events:
        order.setdefault(event["data"]["id"], []).append(event["type"])
    return order


def feed(secret=None):
    headers = auth(secret) if secret else {}
    return Client().get("/api/v1/changes/?limit=500", **headers).json()["events"]


def test_a_scripted_run_reaches_the_receiver_signed_and_in_commit_order(receiver, publisher):
    key, secret = make_key(embargo=True)
    endpoint = make_endpoint(receiver.url, key=key)
    first = make_article(title="First piece")
    edit(first, title="First piece, revised")
    second = make_article(title="Second piece")
    services.unpublish_article(article=second, user=publisher)
    services.publish_article(article=second, user=publisher)
    first_id = first.pk
    delete(first)
    scheduled = make_draft(title="Scheduled piece")
    services.publish_article(
        article=scheduled, user=publisher, at=timezone.now() + timedelta(hours=2)
    )
    old_slug = second.slug
    edit(second, slug="second-piece-renamed")

    work()

    received = receiver.events(secret=endpoint.secret)  # every signature verifies
    # Exactly the events the change feed gives this key, in its order for each article.
    told = {}
    for event in feed(secret):
        told.setdefault(event["id"], []).append(f"article.{event['event']}")
    assert by_article(received) == told
    assert told[first_id] == ["article.published", "article.updated", "article.deleted"]
    assert told[second.pk][:4] == [
        "article.published",
        "article.unpublished",
        "article.published",
        "article.updated",
    ]
    # (A scheduled article whose related block changes is "embargoed" again: it changed.)
    assert set(told[scheduled.pk]) == {"article.embargoed"}
    assert sorted(e["data"]["cursor"] for e in received) == sorted(
        e["cursor"] for e in feed(secret)
    )
    assert len({headers["webhook-id"] for headers, _ in receiver.requests}) == len(received)
    rename = [
        e for e in received if e["type"] == "article.updated" and e["data"]["id"] == second.pk
    ]
    assert (rename[0]["data"]["slug"], rename[0]["data"]["previous_slug"]) == (
        "second-piece-renamed",
        old_slug,
    )
    embargoed = next(e for e in received if e["type"] == "article.embargoed")
    assert embargoed["data"]["embargoed_until"] == embargoed["data"]["article"]["embargoed_until"]
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == len(received)

    work()  # nothing new: nothing sent twice
    assert len(receiver.requests) == len(received)


def test_a_delivery_carries_the_event_and_the_article_as_the_api_shows_it(receiver):
    key, secret = make_key()
    full = make_endpoint(receiver.url, key=key, events=[Event.PUBLISHED])
    link_only = make_endpoint(
        receiver.url + "?link", key=key, events=[Event.PUBLISHED], payload=Endpoint.Payload.LINK
    )
    article = make_article(title="Ports of the Caspian")
    work()
    bodies = {h["webhook-id"]: json.loads(b) for h, b in receiver.requests}
    by_endpoint = {d.endpoint_id: bodies[d.message_id] for d in Delivery.objects.all()}
    site = {"HTTP_HOST": "127.0.0.1:8000"}  # SITE_URL: payloads carry the site's addresses
    detail = Client().get(f"/api/v1/articles/{article.slug}/", **site, **auth(secret)).json()
    event = by_endpoint[full.pk]
    assert event["type"] == "article.published"
    assert event["data"]["article"] == detail
    assert event["data"]["modified_at"] == detail["modified_at"]
    assert event["data"]["api_url"] == detail["api_url"]
    assert "article" not in by_endpoint[link_only.pk]["data"]
    assert by_endpoint[link_only.pk]["data"]["api_url"] == detail["api_url"]


def test_signatures_follow_standard_webhooks_and_survive_a_secret_rotation(receiver):
    endpoint = make_endpoint(receiver.url)
    old_secret = endpoint.secret
    make_article()
    work()
    headers, body = receiver.requests[-1]
    assert headers["webhook-id"].startswith("msg_")
    assert abs(int(headers["webhook-timestamp"]) - timezone.now().timestamp()) < 60
    Webhook(old_secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43).verify(body, headers)
    tampered = body.replace("published", "deleted")
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(tampered, headers)

    endpoint.rotate_secret()
    endpoint.save()
    make_article()
    work()
    headers, body = receiver.requests[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(endpoint.secret).verify(body, headers)  # the new secret
    Webhook(old_secret).verify(body, headers)  # and, for a day, the old one


def test_a_rolled_back_change_is_never_sent(receiver):
    make_endpoint(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_article(title="Never committed")
        raise RuntimeError("the editor's transaction fails")
    kept = make_article(title="Committed")
    work()
    assert [e["data"]["id"] for e in receiver.events()] == [kept.pk]


def test_embargoed_events_go_only_to_endpoints_of_embargo_keys(receiver, publisher):
    ordinary_key, _ = make_key()
    ordinary = make_endpoint(
        receiver.url + "?ordinary",
        key=ordinary_key,
        events=[Event.PUBLISHED, Event.UNPUBLISHED, Event.UPDATED, Event.DELETED],
    )
    embargo = make_endpoint(receiver.url + "?embargo")
    scheduled = make_draft(title="Embargoed deal")
    services.publish_article(
        article=scheduled, user=publisher, at=timezone.now() + timedelta(hours=1)
    )
    services.unpublish_article(article=scheduled, user=publisher)  # pulled before it went live
    work()
    sent = {d.endpoint_id: [] for d in Delivery.objects.all()}
    for d in Delivery.objects.order_by("pk"):
        sent[d.endpoint_id].append(d.event_type)
    assert ordinary.pk not in sent
    assert sent[embargo.pk] == ["article.embargoed", "article.unpublished"]

    with pytest.raises(Exception, match="embargo scope"):
        make_endpoint(receiver.url, key=ordinary_key, events=[Event.EMBARGOED])


def test_a_receiver_that_answers_500_gets_retries_with_growing_delays_then_is_disabled(
    receiver, monkeypatch, settings
):
    """A fake clock: each round moves it to the next attempt's time."""
    receiver.default = 500
    endpoint = make_endpoint(receiver.url, events=[Event.PUBLISHED])
    article = make_article()
    clock = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: clock)
    work()
    first = Delivery.objects.get()
    times = [first.last_attempt_at]
    while first.status == Delivery.Status.PENDING:
        clock = first.next_attempt_at
        assert delivery.deliver_due() == 1
        first.refresh_from_db()
        times.append(first.last_attempt_at)
    delays = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert delays[:4] == [30, 60, 120, 240]
    assert all(b >= a for a, b in zip(delays, delays[1:], strict=False))
    assert max(delays) == settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS
    assert times[-1] - times[0] >= timedelta(days=1)
    assert first.status == Delivery.Status.FAILED
    assert first.attempts == len(times) == len(receiver.requests)
    assert first.log.count() == first.attempts
    assert set(first.log.values_list("response_status", flat=True)) == {500}
    # All attempts carried the same webhook-id (receivers deduplicate on it).
    assert {headers["webhook-id"] for headers, _ in receiver.requests} == {first.message_id}

    endpoint.refresh_from_db()
    assert not endpoint.is_active and "500" in endpoint.disabled_reason
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hooks@partner.example"]
    assert endpoint.url in mail.outbox[0].body
    # A disabled endpoint gets nothing new.
    edit(article, title="Changed while disabled")
    work()
    assert Delivery.objects.count() == 1


def test_a_failing_event_holds_back_later_events_of_the_same_article_only(receiver):
    make_endpoint(receiver.url)
    stuck = make_article(title="Stuck")
    receiver.answers = [503]  # the first delivery fails once
    work()
    edit(stuck, title="Stuck, revised")
    other = make_article(title="Other")
    work()
    sent = [(json.loads(b)["data"]["id"], json.loads(b)["type"]) for _, b in receiver.requests]
    # The update of `stuck` waits for its publication, to be retried later; `other` goes out.
    assert [s for s in sent if s[0] == stuck.pk] == [(stuck.pk, "article.published")]
    assert (other.pk, "article.published") in sent
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    work()
    sent = [(json.loads(b)["data"]["id"], json.loads(b)["type"]) for _, b in receiver.requests]
    assert [s for s in sent if s[0] == stuck.pk][:3] == [
        (stuck.pk, "article.published"),
        (stuck.pk, "article.published"),
        (stuck.pk, "article.updated"),
    ]
    assert not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists()


def test_a_worker_killed_mid_delivery_leaves_it_to_another(receiver, monkeypatch, settings):
    """A worker claims a delivery and dies before recording anything: once its lease runs
    out, the next worker sends the delivery."""
    make_endpoint(receiver.url)
    article = make_article()
    dispatch.dispatch_all()
    claimed, _ = delivery.claim(10, timezone.now())  # ... and the worker is killed here
    assert [d.article_id for d in claimed] == [article.pk]
    assert delivery.deliver_due() == 0  # leased: nobody else sends it meanwhile
    later = timezone.now() + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert delivery.deliver_due() == 1
    assert [e["data"]["id"] for e in receiver.events()] == [article.pk]
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


def test_a_late_result_from_an_expired_lease_is_not_recorded(receiver, monkeypatch, settings):
    make_endpoint(receiver.url)
    make_article()
    dispatch.dispatch_all()
    slow, slow_token = delivery.claim(10, timezone.now())
    later = timezone.now() + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert delivery.deliver_due() == 1  # another worker took over and delivered
    delivery.record(slow[0], slow_token, delivery.Outcome(status=500, error="late"))
    sent = Delivery.objects.get()
    assert sent.status == Delivery.Status.DELIVERED and sent.attempts == 1


def test_a_revoked_key_gets_nothing_more(receiver):
    key, _ = make_key()
    make_endpoint(receiver.url, key=key, events=[Event.PUBLISHED])
    make_article()
    dispatch.dispatch_all()
    key.revoked = True
    key.save()
    work()
    assert receiver.requests == []
    assert Delivery.objects.get().status == Delivery.Status.CANCELLED
    make_article()
    work()
    assert Delivery.objects.count() == 1


def test_an_endpoint_gets_the_events_recorded_after_it_was_created(receiver):
    before = make_article(title="Before")
    work()
    endpoint = make_endpoint(receiver.url)
    after = make_article(title="After")
    work()
    received = [(e["data"]["id"], e["type"]) for e in receiver.events()]
    assert (after.pk, "article.published") in received
    assert (before.pk, "article.published") not in received
    assert not Delivery.objects.filter(change__recorded_at__lt=endpoint.created_at).exists()
