"""The change feed: replaying it from the start gives exactly the published articles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services
from articles.models import Article
from tests.api.conftest import assert_problem
from tests.factories import make_article, make_draft

pytestmark = pytest.mark.django_db


def read_feed(api, since=None, limit=100):
    """Every event after `since`, following `next_cursor` until `has_more` is false."""
    events, cursor = [], since
    while True:
        query = f"?limit={limit}" + (f"&since={cursor}" if cursor else "")
        response = api.get(f"/api/v1/changes/{query}")
        assert response.status_code == 200, response.content
        data = response.json()
        events += data["events"]
        cursor = data["next_cursor"]
        if not data["has_more"]:
            return events, cursor


def replay(events):
    """What a partner holds after applying the events: article id -> slug."""
    held = {}
    for event in events:
        if event["event"] in {"published", "updated"}:
            held[event["id"]] = event["slug"]
        else:
            held.pop(event["id"], None)
    return held


def published_now():
    return dict(Article.objects.published().values_list("id", "slug"))


def kinds(events, article):
    return [e["event"] for e in events if e["id"] == article.pk]


def test_full_replay_across_publish_edit_unpublish_delete_and_schedules(
    api, publisher, monkeypatch
):
    now = timezone.now()
    edited = make_draft(title="Edited piece")
    services.publish_article(article=edited, user=publisher)
    edited.title = "Edited piece, revised"
    edited.save()
    unpublished = make_article()
    services.unpublish_article(article=unpublished, user=publisher)
    deleted = make_article()
    deleted_id = deleted.pk
    deleted.delete()
    renamed = make_article(slug="old-address")
    renamed.slug = "new-address"
    renamed.save()
    archived = make_article()
    services.archive_article(article=archived, user=publisher)
    again = make_article()
    services.unpublish_article(article=again, user=publisher)
    services.publish_article(article=again, user=publisher)
    never = make_draft()
    never.title = "Still a draft"
    never.save()
    due_at = now + timedelta(hours=1)
    scheduled = make_draft()
    services.publish_article(article=scheduled, user=publisher, at=due_at)
    rescheduled = make_draft()
    services.publish_article(article=rescheduled, user=publisher, at=due_at)
    rescheduled.published_at = now + timedelta(hours=3)
    rescheduled.save()
    pulled = make_draft()
    services.publish_article(article=pulled, user=publisher, at=due_at)
    services.unpublish_article(article=pulled, user=publisher)

    # Before the scheduled time: the feed holds exactly what is published now.
    events, cursor = read_feed(api)
    assert replay(events) == published_now()
    assert scheduled.pk not in replay(events)
    assert kinds(events, edited) == ["published", "updated"]
    assert kinds(events, unpublished) == ["published", "unpublished"]
    assert [e["event"] for e in events if e["id"] == deleted_id] == ["published", "deleted"]
    assert kinds(events, renamed)[-1] == "updated"
    rename = [e for e in events if e["id"] == renamed.pk][-1]
    assert (rename["slug"], rename["previous_slug"]) == ("new-address", "old-address")
    assert kinds(events, archived) == ["published", "unpublished"]
    assert kinds(events, again) == ["published", "unpublished", "published"]
    for quiet in (never, scheduled, rescheduled, pulled):
        assert kinds(events, quiet) == []

    # Two hours later (no write in between): the scheduled article's event appears,
    # timed at its publication time, not when it was scheduled.
    later = now + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    new_events, _ = read_feed(api, since=cursor)
    assert [(e["event"], e["id"]) for e in new_events] == [("published", scheduled.pk)]
    assert new_events[0]["time"].startswith(due_at.strftime("%Y-%m-%dT%H:%M:%S"))
    everything, _ = read_feed(api)
    assert replay(everything) == published_now()
    assert scheduled.pk in published_now() and rescheduled.pk not in published_now()


def test_events_are_ordered_and_pages_of_one_give_the_same_feed(api, publisher):
    first = make_article()
    second = make_article()
    services.unpublish_article(article=first, user=publisher)
    second.title = "Changed"
    second.save()
    whole, _ = read_feed(api)
    one_by_one, _ = read_feed(api, limit=1)
    assert whole == one_by_one
    assert [e["time"] for e in whole] == sorted(e["time"] for e in whole)
    assert len({e["cursor"] for e in whole}) == len(whole)


def test_polling_from_the_last_cursor_returns_only_new_events(api):
    make_article()
    events, cursor = read_feed(api)
    assert len(events) == 1
    assert read_feed(api, since=cursor) == ([], cursor)
    fresh = make_article()
    new, _ = read_feed(api, since=cursor)
    assert [(e["event"], e["slug"]) for e in new] == [("published", fresh.slug)]


def test_recent_events_wait_for_the_settle_time(api, settings):
    settings.API_CHANGES_SETTLE_SECONDS = 60
    make_article()
    assert read_feed(api)[0] == []


def test_a_bad_cursor_is_a_400_naming_since(api):
    for bad in ("abc", "MTIz", "!!!", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OS4xLjA"):
        assert_problem(api.get(f"/api/v1/changes/?since={bad}"), 400, "invalid_parameter", "since")


def test_the_feed_is_revalidated_on_every_poll(api):
    make_article()
    response = api.get("/api/v1/changes/")
    assert "no-cache" in response["Cache-Control"]
    assert api.get("/api/v1/changes/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
