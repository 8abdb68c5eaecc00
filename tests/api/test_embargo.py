"""Scheduled articles: keys with the embargo scope see them early; nobody else ever does."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import auth, make_key
from tests.factories import link, make_article, make_author, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled():
    author, topic = make_author(), make_topic()
    article = make_article(
        title="Embargoed pipeline deal",
        summary="Pipelines embargoed summary.",
        authors=[author],
        topics=[topic],
        published_at=timezone.now() + timedelta(hours=6),
    )
    return article


def test_embargo_key_sees_scheduled_articles_marked_embargoed_until(api, scheduled):
    live = make_article()
    _, secret = make_key(embargo=True)
    results = api.get("/api/v1/articles/", **auth(secret)).json()["results"]
    by_slug = {item["slug"]: item for item in results}
    assert set(by_slug) == {live.slug, scheduled.slug}
    assert by_slug[live.slug]["embargoed_until"] is None
    until = by_slug[scheduled.slug]["embargoed_until"]
    assert until.startswith(scheduled.published_at.strftime("%Y-%m-%dT%H:%M"))
    detail = api.get(f"/api/v1/articles/{scheduled.slug}/", **auth(secret))
    assert detail.status_code == 200
    assert detail.json()["embargoed_until"] == until
    search = api.get("/api/v1/articles/?search=pipeline", **auth(secret)).json()
    assert [item["slug"] for item in search["results"]] == [scheduled.slug]


def _everything_anonymous_or_ordinary_key_can_read(api, headers, scheduled):
    author = scheduled.article_authors.get().author
    topic = scheduled.article_topics.get().topic
    urls = [
        "/api/v1/articles/",
        "/api/v1/articles/?search=pipeline",
        "/api/v1/articles/?search=embargoed",
        f"/api/v1/articles/?author={author.slug}",
        f"/api/v1/articles/?topic={topic.slug}",
        "/api/v1/articles/?ordering=title",
        "/api/v1/changes/",
        "/api/v1/authors/",
        "/api/v1/topics/",
    ]
    bodies = []
    for url in urls:
        response = api.get(url, **headers)
        assert response.status_code == 200, url
        bodies.append(response.content.decode())
    # Their only article is scheduled: the author and topic are not public yet either.
    for url in (f"/api/v1/authors/{author.slug}/", f"/api/v1/topics/{topic.slug}/"):
        assert api.get(url, **headers).status_code == 404, url
    return bodies


@pytest.mark.parametrize("who", ["anonymous", "ordinary key", "revisions key"])
def test_nobody_else_sees_a_scheduled_article_anywhere(api, scheduled, who):
    headers = {
        "anonymous": {},
        "ordinary key": auth(make_key()[1]),
        "revisions key": auth(make_key(revisions=True)[1]),
    }[who]
    live = make_article(title="Live piece")
    link(live, scheduled)  # a curated link to it must not reveal it either
    for body in _everything_anonymous_or_ordinary_key_can_read(api, headers, scheduled):
        assert scheduled.slug not in body
        assert "Embargoed pipeline deal" not in body
    detail = api.get(f"/api/v1/articles/{live.slug}/", **headers)
    assert scheduled.slug not in detail.content.decode()
    assert api.get(f"/api/v1/articles/{scheduled.slug}/", **headers).status_code == 404
    assert api.get(f"/api/v1/articles/{scheduled.slug}/revisions/", **headers).status_code in {
        401,
        403,
        404,
    }


def test_the_change_feed_tells_embargoed_articles_only_to_embargo_keys(api, scheduled):
    _, ordinary = make_key()
    for headers in ({}, auth(ordinary)):
        body = api.get("/api/v1/changes/", **headers).content.decode()
        assert scheduled.slug not in body
    _, secret = make_key(embargo=True)
    events = api.get("/api/v1/changes/", **auth(secret)).json()["events"]
    embargoed = [e for e in events if e["id"] == scheduled.pk]
    assert [e["event"] for e in embargoed] == ["embargoed"]
    assert embargoed[0]["embargoed_until"].startswith(
        scheduled.published_at.strftime("%Y-%m-%dT%H:%M")
    )


def test_once_due_an_embargoed_article_is_public_without_the_mark(api, scheduled):
    from articles.models import Article

    Article.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    item = api.get(f"/api/v1/articles/{scheduled.slug}/").json()
    assert item["embargoed_until"] is None


def test_an_embargo_key_gets_embargoed_then_published_when_the_article_goes_live(
    api, scheduled, monkeypatch
):
    _, secret = make_key(embargo=True)
    first = api.get("/api/v1/changes/", **auth(secret)).json()
    told = [e for e in first["events"] if e["id"] == scheduled.pk]
    assert [e["event"] for e in told] == ["embargoed"]
    assert told[0]["modified_at"] and told[0]["embargoed_until"]

    later = scheduled.published_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    cursor = first["next_cursor"]
    for headers in (auth(secret), {}):
        events = api.get(f"/api/v1/changes/?since={cursor}", **headers).json()["events"]
        if not headers:  # anonymous readers: from the start, it is simply published
            events = api.get("/api/v1/changes/").json()["events"]
        went_live = [e for e in events if e["id"] == scheduled.pk]
        assert [e["event"] for e in went_live] == ["published"]
        assert went_live[0]["embargoed_until"] is None
        assert went_live[0]["modified_at"].startswith(
            scheduled.published_at.strftime("%Y-%m-%dT%H:%M:%S")
        )
