"""Each worker's own copy of cached responses: hits with no Redis round trip, never stale.

Against a real Redis at 127.0.0.1:6379 (database 15, a key prefix of each test's own); no
Redis fails these tests rather than skipping them.
"""

import gzip
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisSerializer
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from cpc_site.caching import (
    GENERATION_KEY,
    Generation,
    RedisCache,
    reset_local_response_cache,
)
from partners.models import PartnerKey
from tests.admin_forms import admin_form_data
from tests.factories import edit, make_article, make_author

# Caches are retired after the commit of a change: these tests commit, as production does.
pytestmark = pytest.mark.django_db(transaction=True)

# A database of its own, away from development (0) and the benchmark (7). Pub/sub channels
# ignore the database number; the key prefix in their names keeps tests apart.
REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(autouse=True)
def redis_prefix(isolated_media_and_cache, response_cache_off, settings):
    """Response caching on, in Redis under a fresh key prefix, with an empty local layer.

    Requests `isolated_media_and_cache` so that its `cache.clear()` runs before and after
    this override: on Redis it would flush the whole database.
    """
    settings.RESPONSE_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600
    settings.CACHE_CONTROL_MAX_AGE = 30
    settings.CACHE_CONTROL_S_MAXAGE = 60
    settings.RESPONSE_CACHE_LOCAL_BYTES = 32 * 1024**2
    # Long, so a slow run never falls back to Redis where a test expects a local hit; the
    # trust window has a test of its own.
    settings.RESPONSE_CACHE_LOCAL_TRUST_SECONDS = 60
    server = redis.Redis.from_url(REDIS_URL)
    server.ping()
    prefix = f"test-local-{uuid.uuid4().hex}"
    backend = {
        "BACKEND": "cpc_site.caching.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": prefix,
        # Named, so a test can find this process's subscription among Redis's clients.
        "OPTIONS": {"protocol": 2, "client_name": prefix},
    }
    with override_settings(CACHES={"default": backend}):
        reset_local_response_cache()
        try:
            yield prefix
        finally:
            reset_local_response_cache()
    for key in server.scan_iter(match=f"{prefix}:*"):
        server.delete(key)
    server.close()


@contextmanager
def redis_commands():
    """The commands this process sends to Redis meanwhile (reads of announcements aside)."""
    sent = []
    real = redis.Redis.execute_command

    def recording(self, *args, **options):
        sent.append(args[0])
        return real(self, *args, **options)

    with mock.patch.object(redis.Redis, "execute_command", recording):
        yield sent


def local_hit(client, url, **headers):
    """Request `url` until this process serves it from memory (no Redis, no SQL); return it."""
    assert client.get(url, **headers).status_code == 200, url
    with redis_commands() as sent, CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert sent == [], (url, sent)
    assert len(queries) == 0, (url, queries.captured_queries)
    return response


def asks_redis(client, url):
    with redis_commands() as sent:
        assert client.get(url).status_code == 200
    return bool(sent)


def set_generation_elsewhere(*, announce):
    """What `invalidate_content()` does on another app server: nothing in this process."""
    name = caches["default"].make_key(GENERATION_KEY)
    value = str(Generation(uuid.uuid4().hex, time.time()))
    with redis.Redis.from_url(REDIS_URL) as other, other.pipeline() as pipe:
        pipe.set(name, RedisSerializer().dumps(value))
        if announce:
            pipe.publish(name, value)
        pipe.execute()


def kill_subscriptions(prefix):
    """Drop this process's subscription on the server side, as a Redis restart would."""
    with redis.Redis.from_url(REDIS_URL) as other:
        subscriptions = [c for c in other.client_list(_type="pubsub") if c["name"] == prefix]
        assert subscriptions, "no subscription to kill"
        for subscription in subscriptions:
            other.client_kill_filter(_id=subscription["id"])


def test_a_warm_hit_is_served_from_memory_exactly_as_a_redis_hit(client, settings):
    article = make_article(title="Pipelines and ports")
    cases = [
        (article.get_absolute_url(), {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}),
        (reverse("api:article-list"), {"HTTP_ACCEPT_ENCODING": "gzip"}),
        (reverse("api:article-list"), {}),
    ]
    for url, headers in cases:
        assert client.get(url, **headers).status_code == 200
        settings.RESPONSE_CACHE_LOCAL_BYTES = 0
        with redis_commands() as sent:
            from_redis = client.get(url, **headers)
        assert "MGET" in sent
        settings.RESPONSE_CACHE_LOCAL_BYTES = 32 * 1024**2

        from_memory = local_hit(client, url, **headers)

        assert from_memory.status_code == 200
        assert from_memory.content == from_redis.content
        assert dict(from_memory.headers) == dict(from_redis.headers)
        assert "public" in from_memory["Cache-Control"]
        assert "Cookie" in from_memory["Vary"]
        if headers:
            assert from_memory["Content-Encoding"] == "gzip"
            assert b"Pipelines and ports" in gzip.decompress(from_memory.content)


def test_a_hit_from_memory_answers_a_conditional_get_with_304(client):
    url = make_article().get_absolute_url()
    etag = local_hit(client, url)["ETag"]

    with redis_commands() as sent:
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert sent == []


def test_an_admin_edit_is_visible_on_the_next_anonymous_request(client, admin_client):
    article = make_article(title="Caspian tariffs announced", authors=[make_author()])
    urls = [article.get_absolute_url(), reverse("articles:home"), reverse("api:article-list")]
    for url in urls:
        assert "Caspian tariffs announced" in local_hit(client, url).content.decode()

    change_url = reverse("admin:articles_article_change", args=[article.pk])
    data = admin_form_data(
        admin_client, change_url, title="Caspian tariffs withdrawn", _publish="Save and publish now"
    )
    assert admin_client.post(change_url, data).status_code == 302

    for url in urls:
        body = client.get(url).content.decode()
        assert "Caspian tariffs withdrawn" in body, url
        assert "Caspian tariffs announced" not in body, url


def test_a_content_change_is_announced_to_the_other_app_servers(redis_prefix):
    name = caches["default"].make_key(GENERATION_KEY)
    with redis.Redis.from_url(REDIS_URL) as other, other.pubsub() as listener:
        listener.subscribe(name)
        assert listener.get_message(timeout=2)["type"] == "subscribe"

        make_article()  # several saves, each announced

        announced = []
        while message := listener.get_message(timeout=0.5):
            announced.append(message["data"].decode())
    assert announced
    assert announced[-1] == caches["default"].get(GENERATION_KEY)


def test_a_change_announced_by_another_server_is_visible_on_the_next_request(client):
    article = make_article(title="Original title")
    url = article.get_absolute_url()
    local_hit(client, url)
    # Written on another server: no signal fires in this process.
    Article.objects.filter(pk=article.pk).update(title="Corrected elsewhere")

    set_generation_elsewhere(announce=True)

    assert "Corrected elsewhere" in client.get(url).content.decode()
    assert "Corrected elsewhere" in local_hit(client, url).content.decode()


def test_a_change_announced_while_the_generation_is_being_read_is_not_missed(client):
    url = make_article().get_absolute_url()
    real_get_many = RedisCache.get_many
    reads = []

    def read_then_change_elsewhere(cache, keys, *args, **kwargs):
        found = real_get_many(cache, keys, *args, **kwargs)
        if not reads:
            set_generation_elsewhere(announce=True)
        reads.append(keys)
        return found

    with mock.patch.object(RedisCache, "get_many", read_then_change_elsewhere):
        client.get(url)  # this process's first request: it subscribes, then reads

    # What that request stored belongs to the generation it read, now retired.
    assert asks_redis(client, url)


def test_after_a_lost_subscription_the_next_request_is_still_fresh(client, redis_prefix):
    article = make_article(title="Original title")
    url = article.get_absolute_url()
    local_hit(client, url)
    kill_subscriptions(redis_prefix)
    Article.objects.filter(pk=article.pk).update(title="Corrected elsewhere")

    set_generation_elsewhere(announce=True)  # heard by nobody here

    assert "Corrected elsewhere" in client.get(url).content.decode()
    # Subscribed again: served from memory again, and still fresh after the next change.
    assert "Corrected elsewhere" in local_hit(client, url).content.decode()
    Article.objects.filter(pk=article.pk).update(title="Corrected twice")
    set_generation_elsewhere(announce=True)
    assert "Corrected twice" in client.get(url).content.decode()


def test_a_silently_lost_announcement_is_caught_when_the_trust_window_ends(client, settings):
    settings.RESPONSE_CACHE_LOCAL_TRUST_SECONDS = 1
    article = make_article(title="Original title")
    url = article.get_absolute_url()
    start = time.monotonic()
    with mock.patch("cpc_site.caching.monotonic", return_value=start):
        local_hit(client, url)
    Article.objects.filter(pk=article.pk).update(title="Corrected elsewhere")
    set_generation_elsewhere(announce=False)  # a subscription that lost the message

    # Within the window this process serves what it holds: that is the bound...
    with mock.patch("cpc_site.caching.monotonic", return_value=start + 0.9):
        assert "Original title" in client.get(url).content.decode()
    # ...and once it ends, Redis is read again.
    with (
        mock.patch("cpc_site.caching.monotonic", return_value=start + 1),
        redis_commands() as sent,
    ):
        body = client.get(url).content.decode()
    assert "MGET" in sent
    assert "Corrected elsewhere" in body


def test_a_scheduled_article_appears_on_time_with_a_warm_local_copy(client):
    now = timezone.now()
    make_article(title="Already out")
    scheduled = make_article(title="Goes live soon", published_at=now + timedelta(seconds=90))
    lists = [reverse("articles:home"), reverse("articles:feed"), reverse("api:article-list")]
    for url in lists:
        assert "Goes live soon" not in local_hit(client, url).content.decode()
    assert client.get(scheduled.get_absolute_url()).status_code == 404

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(seconds=91)):
        for url in lists:
            assert "Goes live soon" in client.get(url).content.decode(), url
        assert client.get(scheduled.get_absolute_url()).status_code == 200


def test_local_copies_beyond_the_byte_budget_go_least_recently_used_first(client, settings):
    first, second, third = (make_article().get_absolute_url() for _ in range(3))
    settings.RESPONSE_CACHE_LOCAL_BYTES = 0  # stored in Redis only, to measure them
    sizes = [len(client.get(url).content) for url in (first, second, third)]
    settings.RESPONSE_CACHE_LOCAL_BYTES = sum(sizes) - 1  # room for any two, not three

    for url in (first, second, first, third):  # Redis hits copied here; then a local hit
        client.get(url)

    assert not asks_redis(client, first)
    assert not asks_redis(client, third)
    assert asks_redis(client, second)


def test_an_unpublished_article_is_never_served_from_the_local_copy(client):
    article = make_article(title="Soon withdrawn")
    url = article.get_absolute_url()
    local_hit(client, url)
    local_hit(client, reverse("articles:home"))

    edit(article, status=Article.Status.DRAFT)

    assert client.get(url).status_code == 404
    assert "Soon withdrawn" not in client.get(reverse("articles:home")).content.decode()


def test_a_partner_key_never_gets_the_anonymous_local_copy_nor_leaves_one(client):
    make_article(title="Public piece")
    make_article(title="Embargoed piece", published_at=timezone.now() + timedelta(hours=2))
    _, secret = PartnerKey.objects.create_key(
        name="production", partner="Example News Agency", can_see_embargoed=True
    )
    url = reverse("api:article-list")

    anonymous = local_hit(client, url).json()["results"]
    keyed = client.get(url, HTTP_AUTHORIZATION=f"Api-Key {secret}").json()["results"]

    assert [item["title"] for item in anonymous] == ["Public piece"]
    assert {item["title"] for item in keyed} == {"Public piece", "Embargoed piece"}
    assert [item["title"] for item in local_hit(client, url).json()["results"]] == ["Public piece"]


def test_a_refused_subscription_leaves_pages_fresh_and_is_retried_only_later(client):
    article = make_article(title="Original title")
    url = article.get_absolute_url()
    attempts = []

    def refuse(key):
        attempts.append(key)
        raise redis.exceptions.ResponseError("NOPERM this user has no permissions")

    with mock.patch.object(RedisCache, "subscribe", side_effect=refuse):
        assert client.get(url).status_code == 200
        assert asks_redis(client, url)  # no local copy without a subscription
        Article.objects.filter(pk=article.pk).update(title="Corrected elsewhere")
        set_generation_elsewhere(announce=True)
        assert "Corrected elsewhere" in client.get(url).content.decode()
        assert len(attempts) == 1  # not on every request

        later = time.monotonic() + 31
        with mock.patch("cpc_site.caching.monotonic", return_value=later):
            client.get(url)
        assert len(attempts) == 2
