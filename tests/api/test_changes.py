"""The change feed: replaying it from the start gives exactly the published articles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services
from articles.models import Article
from tests.api.conftest import assert_problem
from tests.factories import delete, edit, make_article, make_draft

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
    edit(edited, title="Edited piece, revised")
    unpublished = make_article()
    services.unpublish_article(article=unpublished, user=publisher)
    deleted = make_article()
    deleted_id = deleted.pk
    delete(deleted)
    renamed = make_article(slug="old-address")
    edit(renamed, slug="new-address")
    archived = make_article()
    services.archive_article(article=archived, user=publisher)
    again = make_article()
    services.unpublish_article(article=again, user=publisher)
    services.publish_article(article=again, user=publisher)
    never = make_draft()
    edit(never, title="Still a draft")
    due_at = now + timedelta(hours=1)
    scheduled = make_draft()
    services.publish_article(article=scheduled, user=publisher, at=due_at)
    rescheduled = make_draft()
    services.publish_article(article=rescheduled, user=publisher, at=due_at)
    edit(rescheduled, published_at=now + timedelta(hours=3))
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

    # Two hours later (no write in between): the scheduled article's event appears after
    # the cursor, and the article counts as modified at its publication time.
    later = now + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    new_events, _ = read_feed(api, since=cursor)
    assert [(e["event"], e["id"]) for e in new_events] == [("published", scheduled.pk)]
    assert new_events[0]["modified_at"].startswith(due_at.strftime("%Y-%m-%dT%H:%M:%S"))
    everything, _ = read_feed(api)
    assert replay(everything) == published_now()
    assert scheduled.pk in published_now() and rescheduled.pk not in published_now()


def test_events_are_ordered_and_pages_of_one_give_the_same_feed(api, publisher):
    first = make_article()
    second = make_article()
    services.unpublish_article(article=first, user=publisher)
    edit(second, title="Changed")
    whole, _ = read_feed(api)
    one_by_one, _ = read_feed(api, limit=1)
    assert whole == one_by_one
    assert [(e["id"], e["event"]) for e in whole] == [
        (first.pk, "published"),
        (second.pk, "published"),
        (first.pk, "unpublished"),
        (second.pk, "updated"),
    ]
    assert len({e["cursor"] for e in whole}) == len(whole)


def test_polling_from_the_last_cursor_returns_only_new_events(api):
    make_article()
    events, cursor = read_feed(api)
    assert len(events) == 1
    assert read_feed(api, since=cursor) == ([], cursor)
    fresh = make_article()
    new, _ = read_feed(api, since=cursor)
    assert [(e["event"], e["slug"]) for e in new] == [("published", fresh.slug)]


def test_events_carry_the_modification_time_of_the_article(api):
    article = make_article()
    edit(article, title="Retitled")
    events, _ = read_feed(api)
    article.refresh_from_db()
    assert (
        events[-1]["modified_at"]
        == api.get(f"/api/v1/articles/{article.slug}/").json()["modified_at"]
    )
    assert events[-1]["event"] == "updated"


def test_a_bad_cursor_is_a_400_naming_since(api):
    old_style = "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OS4xLjA"  # a cursor of the feed before the log
    for bad in ("abc", "MTIz", "!!!", old_style):
        assert_problem(api.get(f"/api/v1/changes/?since={bad}"), 400, "invalid_parameter", "since")


def test_the_feed_is_revalidated_on_every_poll(api):
    make_article()
    response = api.get("/api/v1/changes/")
    assert "no-cache" in response["Cache-Control"]
    assert api.get("/api/v1/changes/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
