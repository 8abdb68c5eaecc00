"""A partner's mirror that follows webhooks (the trigger) and the change feed (the truth) ends
equal to the published set, though a quarter of the deliveries fail and are retried."""

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from articles import services
from articles.models import Article
from tests.api.conftest import auth, make_key
from tests.factories import delete, edit, make_article, make_draft, make_user
from tests.webhooks.conftest import make_endpoint
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)


class Mirror:
    """The sync recipe of the README: apply each webhook at once (newer copies only), and
    read the change feed from the stored cursor whenever a webhook arrives (and on a timer)."""

    def __init__(self, secret, *, follow_feed=True):
        self.follow_feed = follow_feed
        self.client = Client()
        self.headers = auth(secret)
        self.held = {}  # article id -> the API's representation
        self.cursor = None

    def on_webhook(self, event):
        data = event["data"]
        held = self.held.get(data["id"])
        if held is not None and held["modified_at"] > data["modified_at"]:
            return  # an older event than our copy (a redelivery)
        if event["type"] in ("article.published", "article.updated") and "article" in data:
            self.held[data["id"]] = data["article"]
        elif event["type"] in ("article.unpublished", "article.deleted"):
            self.held.pop(data["id"], None)
        if self.follow_feed:
            self.poll()

    def poll(self):
        while True:
            query = "?limit=50" + (f"&since={self.cursor}" if self.cursor else "")
            answer = self.client.get(f"/api/v1/changes/{query}", **self.headers).json()
            for event in answer["events"]:
                self.apply(event)
            self.cursor = answer["next_cursor"]
            if not answer["has_more"]:
                return

    def apply(self, event):
        if event["event"] in ("unpublished", "deleted"):
            self.held.pop(event["id"], None)
        elif event["event"] in ("published", "updated"):
            held = self.held.get(event["id"])
            if held is None or held["modified_at"] < event["modified_at"]:
                detail = self.client.get(f"/api/v1/articles/{event['slug']}/", **self.headers)
                if detail.status_code == 200:
                    self.held[event["id"]] = detail.json()
                else:  # gone since: a later event says so
                    self.held.pop(event["id"], None)

    def published(self):
        return {pk: (item["slug"], item["title"]) for pk, item in self.held.items()}


def test_a_mirror_following_webhooks_and_the_feed_ends_equal_to_the_published_set(
    receiver, monkeypatch
):
    rng = random.Random(16)
    key, secret = make_key()
    make_endpoint(receiver.url, key=key, events=["article.published", "article.updated",
                  "article.unpublished", "article.deleted"])  # fmt: skip
    publisher = make_user("desk", role="Publisher")
    mirror = Mirror(secret)
    pushed_only = Mirror(secret, follow_feed=False)  # for comparison: webhooks alone
    clock = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    articles = [make_article(title=f"Opening piece {n}") for n in range(4)]
    handled = 0

    for step in range(40):
        receiver.answers = [rng.choice([200, 200, 200, 500]) for _ in range(10)]
        live = [a for a in articles if Article.objects.filter(pk=a.pk).exists()]
        action = rng.choice(["new", "edit", "edit", "unpublish", "republish", "delete", "schedule"])
        target = rng.choice(live) if live else None
        if action == "new" or target is None:
            articles.append(make_article(title=f"Piece {step}"))
        elif action == "edit":
            edit(target, title=f"{target.title.split(' (')[0]} (rev {step})")
        elif action == "unpublish" and Article.objects.published().filter(pk=target.pk).exists():
            services.unpublish_article(article=target, user=publisher)
        elif action == "republish":
            target.refresh_from_db()
            if target.status != Article.Status.PUBLISHED:
                services.publish_article(article=target, user=publisher)
        elif action == "delete":
            delete(target)
        elif action == "schedule":
            draft = make_draft(title=f"Scheduled {step}")
            services.publish_article(
                article=draft, user=publisher, at=clock[0] + timedelta(minutes=30)
            )
            articles.append(draft)
        clock[0] += timedelta(minutes=rng.choice([1, 5, 20]))  # retries and schedules fall due
        call_command("worker", "--once")
        for event in receiver.events()[handled:]:
            mirror.on_webhook(event)
            pushed_only.on_webhook(event)
        handled = len(receiver.requests)

    # Let every retry fall due and be delivered, then the mirror's last poll.
    receiver.answers = []
    for _ in range(12):
        clock[0] += timedelta(hours=1)
        call_command("worker", "--once")
    for event in receiver.events()[handled:]:
        mirror.on_webhook(event)
        pushed_only.on_webhook(event)
    mirror.poll()

    site = Client().get("/api/v1/articles/?page_size=100", **auth(secret)).json()
    expected = {item["id"]: (item["slug"], item["title"]) for item in site["results"]}
    assert site["count"] == len(expected) > 0
    assert mirror.published() == expected
    # Every event was delivered in the end, in order per article: webhooks alone got there too.
    assert pushed_only.published() == expected
    assert not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists()
    assert Delivery.objects.filter(log__response_status=500).exists()  # retries happened
