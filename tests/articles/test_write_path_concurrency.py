"""Overlapping writes on PostgreSQL: the feed never loses an event, and nothing deadlocks.

Writer threads run random publish, edit, rename, unpublish, delete, undelete, restore,
short-schedule and author-rename operations through the services, some holding their
transaction open for seconds, while a worker thread runs the queued jobs (suggestions,
fan-out) and a poller follows the change feed with `next_cursor`. At the end the poller's
copy must equal `Article.objects.published()` by id, slug and modification time, with no
deadlock, no duplicate key, and no answer but 200 from the feed.
"""

import random
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, connections, transaction
from django.db.models import Max
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles import revisions, services
from articles.models import Article, Author
from cpc_site.management.commands.worker import drain
from partners.models import PartnerKey
from tests.factories import make_article, make_author, make_draft, make_topic, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and snapshots"
    ),
]

WRITERS = 4
RUN_SECONDS = 14


class Mirror:
    """What a partner following the feed holds: article id -> (slug, modified_at)."""

    def __init__(self):
        self.client = Client(HTTP_AUTHORIZATION=f"Api-Key {unthrottled_key()}")
        self.held = {}
        self.cursor = None
        self.errors = []
        self.events = 0

    def poll(self):
        while True:
            query = "?limit=50" + (f"&since={self.cursor}" if self.cursor else "")
            response = self.client.get(f"/api/v1/changes/{query}")
            if response.status_code != 200:
                self.errors.append(f"feed answered {response.status_code}")
                return
            data = response.json()
            for event in data["events"]:
                self.events += 1
                if event["event"] in ("published", "updated"):
                    self.held[event["id"]] = (event["slug"], parse_datetime(event["modified_at"]))
                elif event["event"] in ("unpublished", "deleted"):
                    self.held.pop(event["id"], None)
            self.cursor = data["next_cursor"]
            if not data["has_more"]:
                return


class Writer(threading.Thread):
    def __init__(self, seed, user, stop_at, failures, counts):
        super().__init__(daemon=True)
        self.rng = random.Random(seed)
        self.user, self.stop_at, self.failures, self.counts = user, stop_at, failures, counts

    def run(self):
        try:
            while time.monotonic() < self.stop_at:
                operation = self.rng.choice(OPERATIONS)
                try:
                    if self.rng.random() < 0.25:
                        # Hold the transaction (and its locks and log rows) open for a while.
                        with transaction.atomic():
                            operation(self)
                            time.sleep(self.rng.uniform(1.0, 3.0))
                    else:
                        operation(self)
                    self.counts[operation.__name__] = self.counts.get(operation.__name__, 0) + 1
                except (services.StaleEdit, Article.DoesNotExist, PermissionDenied, LookupError):
                    self.counts["refused"] = self.counts.get("refused", 0) + 1
                except Exception as error:  # a deadlock, a duplicate key, anything else
                    self.failures.append(f"{operation.__name__}: {type(error).__name__}: {error}")
        finally:
            connections.close_all()

    def article(self, **filters):
        ids = list(Article.objects.filter(**filters).values_list("pk", flat=True))
        if not ids:
            raise LookupError("nothing to work on")
        return Article.objects.get(pk=self.rng.choice(ids))


def publish(writer):
    services.publish_article(article=writer.article(), user=writer.user)


def short_schedule(writer):
    at = timezone.now() + timedelta(seconds=writer.rng.uniform(0.5, 3))
    services.publish_article(article=writer.article(), user=writer.user, at=at)


def edit(writer):
    article = writer.article()
    article.body = f"<p>Edited {writer.rng.random()}</p>"
    services.save_article(article=article, user=writer.user, edited_version=article.version)


def rename(writer):
    article = writer.article()
    article.slug = f"piece-{writer.rng.randrange(10**9)}"
    services.save_article(article=article, user=writer.user, edited_version=article.version)


def unpublish(writer):
    services.unpublish_article(article=writer.article(status="published"), user=writer.user)


def delete(writer):
    services.delete_article(article=writer.article(), user=writer.user)


def undelete(writer):
    deleted = list(revisions.deleted_articles().values_list("id", flat=True))
    if not deleted:
        raise LookupError("nothing deleted")
    services.undelete_article(article_id=writer.rng.choice(deleted), user=writer.user)


def restore(writer):
    article = writer.article()
    revision = writer.rng.choice(list(Article.history.filter(id=article.pk)))
    services.restore_revision(
        revision=revision, user=writer.user, restore_status=writer.rng.random() < 0.5
    )


def rename_author(writer):
    author = Author.objects.get(
        pk=writer.rng.choice(list(Author.objects.values_list("pk", flat=True)))
    )
    author.name = f"Author {writer.rng.randrange(10**6)}"
    services.save_author(author=author, user=writer.user)


OPERATIONS = [publish, short_schedule, edit, rename, unpublish, delete, undelete, restore,
              rename_author, edit, publish]  # fmt: skip


def unthrottled_key():
    """A partner key polling as fast as it likes (anonymous pollers are throttled)."""
    _, secret = PartnerKey.objects.create_key(
        name="mirror", partner="Test mirror", throttle_rate="100000/minute"
    )
    return secret


def wait_until_every_schedule_is_due():
    """Sleep until the latest publication time set (a short schedule: at most 3 s ahead) has
    passed, rather than a fixed 3.5 s."""
    latest = Article.objects.aggregate(latest=Max("published_at"))["latest"]
    if latest is not None:
        time.sleep(max(0.0, (latest - timezone.now()).total_seconds()) + 0.1)


def test_overlapping_writes_lose_no_event_and_never_deadlock():
    publisher = make_user("chief", role="Publisher")
    authors = [make_author() for _ in range(3)]
    topics = [make_topic() for _ in range(3)]
    for n in range(14):
        maker = make_article if n % 3 else make_draft
        maker(authors=authors[: 1 + n % 3], topics=topics[n % 3 :])
    drain()

    mirror = Mirror()
    mirror.poll()  # the replay from the start
    failures, counts = [], {}
    stop_at = time.monotonic() + RUN_SECONDS
    writers = [Writer(seed, publisher, stop_at, failures, counts) for seed in range(WRITERS)]
    done = threading.Event()

    def work_queue():
        while not done.is_set():
            try:
                drain(f"worker-{threading.get_ident()}")
            except Exception as error:
                failures.append(f"worker: {type(error).__name__}: {error}")
            time.sleep(0.2)
        connections.close_all()

    worker = threading.Thread(target=work_queue, daemon=True)
    worker.start()
    for writer in writers:
        writer.start()
    while any(writer.is_alive() for writer in writers):
        mirror.poll()
        time.sleep(0.1)
    for writer in writers:
        writer.join()
    wait_until_every_schedule_is_due()
    done.set()
    worker.join()
    drain()
    mirror.poll()

    live = {
        a.pk: (a.slug, a.public_modified_at)
        for a in Article.objects.published().only("pk", "slug", "modified_at", "published_at")
    }
    deadlocks = [f for f in failures if "deadlock" in f.lower()]
    assert not deadlocks, deadlocks
    assert not failures, failures
    assert not mirror.errors, mirror.errors
    assert sum(counts.values()) > 40, counts  # the writers really overlapped
    assert mirror.held == live


def test_an_open_transaction_holds_the_feed_back_instead_of_being_skipped():
    """A poller never gets a cursor past a transaction that is still open: the event that
    transaction commits later is still delivered."""
    publisher = make_user("chief", role="Publisher")
    slow, fast = make_draft(), make_draft()
    mirror = Mirror()
    mirror.poll()
    started, release = threading.Event(), threading.Event()

    def slow_publish():
        with transaction.atomic():
            services.publish_article(article=slow, user=publisher)
            started.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=slow_publish)
    thread.start()
    started.wait(10)
    services.publish_article(article=fast, user=publisher)  # commits first
    mirror.poll()
    assert fast.pk not in mirror.held  # held back behind the open transaction
    release.set()
    thread.join()
    mirror.poll()
    assert set(mirror.held) == {slow.pk, fast.pk}


def test_two_publishes_of_one_article_at_once_both_end_well():
    publisher = make_user("chief", role="Publisher")
    article = make_draft()
    errors = []
    barrier = threading.Barrier(2)

    def publish_it():
        try:
            barrier.wait(5)
            with transaction.atomic():
                services.publish_article(article=Article.objects.get(pk=article.pk), user=publisher)
                time.sleep(0.5)
        except OperationalError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    mirror = Mirror()
    mirror.poll()
    assert list(mirror.held) == [article.pk]
    assert mirror.events == 1
