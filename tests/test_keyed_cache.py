"""Keyed API answers cached per visibility class, never stale, in a real Redis.

A key without the embargo scope sees what anonymous readers see, so it shares their entries;
a key with it has entries of its own. The key is checked (and counted against its rate) on
every request, hit or miss. Redis: `TEST_REDIS_URL` (default 127.0.0.1:6379, database 15),
under a key prefix of each test's own; no Redis fails these tests rather than skipping them.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.models import KeyUsage, flush_usage
from tests.api.conftest import auth, make_key
from tests.conftest import redis_caches
from tests.factories import edit, make_article

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/api/v1/articles/"


@pytest.fixture(autouse=True)
def redis_cache(isolated_media_and_cache, response_cache_off, settings):
    settings.RESPONSE_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600
    settings.PARTNER_USAGE_IN_CACHE = True  # as in production with Redis
    with redis_caches("keyed"):
        yield


def served(client, url, **headers):
    """(response, whether any article row was read to answer it)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    rendered = any("articles_article" in q["sql"] for q in queries.captured_queries)
    return response, rendered


def titles(response):
    return {item["title"] for item in response.json()["results"]}


def test_a_key_without_the_embargo_scope_shares_the_anonymous_entries(client):
    make_article(title="Public piece")
    make_article(title="Scheduled piece", published_at=timezone.now() + timedelta(hours=2))
    key, secret = make_key()
    anonymous, rendered = served(client, LIST)
    assert rendered
    with CaptureQueriesContext(connection) as queries:
        keyed, rendered = served(client, LIST, **auth(secret))
    assert not rendered
    assert len(queries) == 1  # a hit: the key is looked up, nothing is written
    assert keyed.content == anonymous.content and titles(keyed) == {"Public piece"}
    assert keyed["Cache-Control"] == "private, no-cache"
    assert keyed["RateLimit-Policy"].startswith('"partner"') and "r=" in keyed["RateLimit"]
    assert keyed["ETag"] == anonymous["ETag"]
    assert flush_usage() == 1  # hits are counted too (in Redis, then in the database)
    assert KeyUsage.objects.get(key=key).requests == 1


def test_an_embargo_key_has_entries_of_its_own_that_nobody_else_gets(client):
    make_article(title="Public piece")
    make_article(title="Scheduled piece", published_at=timezone.now() + timedelta(hours=2))
    _, embargo = make_key(embargo=True)
    _, ordinary = make_key(partner="Ordinary")
    first, rendered = served(client, LIST, **auth(embargo))
    assert rendered and titles(first) == {"Public piece", "Scheduled piece"}
    second, rendered = served(client, LIST, HTTP_X_API_KEY=embargo)
    assert not rendered and second.content == first.content
    for headers in ({}, auth(ordinary)):
        other, _ = served(client, LIST, **headers)
        assert titles(other) == {"Public piece"}


def test_keyed_entries_are_never_stale(client, publisher, monkeypatch):
    article = make_article(title="First title")
    scheduled = make_article(title="Soon", published_at=timezone.now() + timedelta(minutes=5))
    _, embargo = make_key(embargo=True)
    served(client, LIST, **auth(embargo))
    assert not served(client, LIST, **auth(embargo))[1]

    edit(article, title="Second title")
    after_edit, rendered = served(client, LIST, **auth(embargo))
    assert rendered and "Second title" in titles(after_edit)

    marked = {i["title"]: i["embargoed_until"] for i in after_edit.json()["results"]}
    assert marked["Soon"] is not None
    later = scheduled.published_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    live, rendered = served(client, LIST, **auth(embargo))
    assert rendered  # the entry expired when the article went live
    assert {i["title"]: i["embargoed_until"] for i in live.json()["results"]}["Soon"] is None


def test_a_revoked_or_throttled_key_is_refused_even_when_the_answer_is_cached(client, settings):
    make_article()
    key, secret = make_key(rate="2/minute")
    assert client.get(LIST, **auth(secret)).status_code == 200
    assert client.get(LIST, **auth(secret)).status_code == 200
    over = client.get(LIST, **auth(secret))
    assert over.status_code == 429 and over["RateLimit"].startswith('"partner";r=0')
    key.revoked = True
    key.save()
    assert client.get(LIST, **auth(secret)).status_code == 401


def test_answers_for_one_key_only_are_never_stored(client):
    article = make_article(title="Revised piece")
    edit(article, title="Revised piece, again")
    _, revisions = make_key(revisions=True)
    url = f"/api/v1/articles/{article.slug}/revisions/"
    assert client.get(url, **auth(revisions)).status_code == 200
    assert client.get(url).status_code == 401  # not served from the keyed answer
    assert served(client, url, **auth(revisions))[1]  # and rendered again for the key
    feed, _ = served(client, "/api/v1/changes/", **auth(revisions))
    assert served(client, "/api/v1/changes/", **auth(revisions))[1]  # the feed: never cached


def test_a_keyed_request_counts_once_against_its_rate_hit_or_miss(client):
    make_article()
    key, secret = make_key(rate="10/minute")
    miss = client.get(LIST, **auth(secret))  # the view renders (fragments read too)
    hit = client.get(LIST, **auth(secret))
    assert [miss["RateLimit"].split(";")[1], hit["RateLimit"].split(";")[1]] == ["r=9", "r=8"]
    flush_usage()
    assert KeyUsage.objects.get(key=key).requests == 2
