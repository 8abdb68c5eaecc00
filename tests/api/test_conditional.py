"""ETag, Last-Modified and 304s, so partners re-download only what changed."""

import math
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

from articles import services
from articles.models import Article, ContentChange
from tests.api.conftest import auth, make_key
from tests.factories import edit, make_article, make_author, make_topic

# Caches are retired after the commit of a change: these tests commit, as production does.
pytestmark = pytest.mark.django_db(transaction=True)

URLS = ["/api/v1/articles/", "/api/v1/articles/{slug}/", "/api/v1/authors/", "/api/v1/topics/"]


def settle():
    """As if the last changes were made two seconds ago: a Last-Modified header names a
    whole second, and only once that second is over (see articles.changes)."""
    ContentChange.objects.update(committed_at=timezone.now() - timedelta(seconds=2))


def wait_for_the_next_second():
    """Sleep until the clock is in its next whole second: whatever happened before is dated
    in an earlier second than what happens after, and that second is over (HTTP dates count
    whole seconds)."""
    time.sleep(math.ceil(time.time()) - time.time() + 0.01)


@pytest.fixture
def article():
    article = make_article(authors=[make_author()], topics=[make_topic()])
    settle()
    return article


def test_no_last_modified_until_the_second_of_the_last_change_is_over(api, article):
    assert "Last-Modified" in api.get("/api/v1/articles/")  # (and the API's imports done)
    wait_for_the_next_second()  # the change and the next request within one second
    make_article()
    assert "Last-Modified" not in api.get("/api/v1/articles/")
    wait_for_the_next_second()
    assert "Last-Modified" in api.get("/api/v1/articles/")


@pytest.mark.parametrize("url", [*URLS, "/api/v1/changes/"])
def test_every_get_has_etag_and_last_modified_and_a_matching_etag_is_304(api, article, url):
    url = url.format(slug=article.slug)
    response = api.get(url)
    assert response.status_code == 200
    assert response["ETag"] and response["Last-Modified"]
    again = api.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("url", URLS)
def test_if_modified_since_is_304_until_the_content_changes(api, article, url):
    url = url.format(slug=article.slug)
    response = api.get(url)
    last_modified = response["Last-Modified"]
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    earlier = http_date((timezone.now() - timedelta(days=1)).timestamp())
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_last_modified_moves_with_every_change_readers_can_see_and_only_then(api, publisher):
    live = make_article()
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    settle()
    first = api.get(f"/api/v1/articles/{live.slug}/")
    since = first["Last-Modified"]
    assert api.get("/api/v1/articles/", HTTP_IF_MODIFIED_SINCE=since).status_code == 304

    edit(draft, title="Nobody can see this yet")  # no reader-visible change
    assert api.get("/api/v1/articles/", HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    assert (
        api.get(f"/api/v1/articles/{live.slug}/", HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    )

    services.unpublish_article(article=live, user=publisher)  # a withdrawal moves it too
    assert api.get("/api/v1/articles/", HTTP_IF_MODIFIED_SINCE=since).status_code == 200
    wait_for_the_next_second()
    assert parse_http_date(api.get("/api/v1/articles/")["Last-Modified"]) > parse_http_date(since)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two transactions open at once")
def test_a_slow_commit_never_lets_if_modified_since_confirm_an_old_copy(api):
    """A change is dated by its commit, not by when its transaction wrote it: a copy taken
    while the transaction was open (dated by a later, faster change) is not confirmed."""
    slow, fast = make_article(title="Slow one"), make_article(title="Fast one")
    settle()
    written, release = threading.Event(), threading.Event()

    def slow_edit():
        with transaction.atomic():
            edit(slow, title="Slow one, corrected")
            written.set()
            release.wait(10)
        connection.close()

    writer = threading.Thread(target=slow_edit)
    writer.start()
    written.wait(10)
    wait_for_the_next_second()
    edit(fast, title="Fast one, corrected")  # commits while the slow edit is still open
    wait_for_the_next_second()
    copy = api.get("/api/v1/articles/")
    assert copy["Last-Modified"]
    assert "Slow one, corrected" not in copy.content.decode()
    wait_for_the_next_second()
    release.set()
    writer.join()

    again = api.get("/api/v1/articles/", HTTP_IF_MODIFIED_SINCE=copy["Last-Modified"])
    assert again.status_code == 200
    assert "Slow one, corrected" in again.content.decode()


def test_an_edit_changes_the_etag(api, article):
    first = api.get(f"/api/v1/articles/{article.slug}/")
    edit(article, title="A new title")
    second = api.get(f"/api/v1/articles/{article.slug}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]


def test_keyed_requests_also_get_304(api, article):
    _, secret = make_key()
    response = api.get("/api/v1/articles/", **auth(secret))
    assert "private" in response["Cache-Control"]
    again = api.get("/api/v1/articles/", HTTP_IF_NONE_MATCH=response["ETag"], **auth(secret))
    assert again.status_code == 304


@pytest.fixture(params=["key", "embargo key"])
def key_headers(request):
    return auth(make_key(embargo=request.param == "embargo key")[1])


@pytest.mark.parametrize("what", ["author", "topic", "image credit", "new article"])
def test_a_keyed_if_modified_since_never_confirms_a_changed_list_or_article(api, key_headers, what):
    """A key holder sending only If-Modified-Since, after a change of what an article shows."""
    from tests.factories import change, make_image

    author, topic, image = make_author(), make_topic(), make_image(credit="Old credit")
    article = make_article(authors=[author], topics=[topic], hero_image=image)
    settle()
    urls = ["/api/v1/articles/", f"/api/v1/articles/{article.slug}/"]
    copies = {url: api.get(url, **key_headers) for url in urls}
    assert all(copy["Last-Modified"] for copy in copies.values())

    if what == "author":
        change(author, name="Renamed Author")
    elif what == "topic":
        change(topic, name="Renamed Topic")
    elif what == "image credit":
        change(image, credit="New credit")
    else:
        make_article(title="A new one")
    wait_for_the_next_second()  # the second of the change is over: Last-Modified names it

    for url, copy in copies.items():
        again = api.get(url, HTTP_IF_MODIFIED_SINCE=copy["Last-Modified"], **key_headers)
        if what == "new article" and url != "/api/v1/articles/":
            continue  # (Last-Modified is that of everything the key sees: 200 or 304)
        assert again.status_code == 200, (url, what)
        assert again.content != copy.content


def test_a_scheduled_article_going_live_is_never_confirmed_by_if_modified_since(
    api, key_headers, monkeypatch
):
    """No write happens when it goes live: its list entry appears (or loses embargoed_until)."""
    make_article()
    scheduled = make_article(published_at=timezone.now() + timedelta(minutes=10))
    settle()
    copies = {
        url: api.get(url, **key_headers)
        for url in ("/api/v1/articles/", f"/api/v1/articles/{scheduled.slug}/")
    }
    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr(timezone, "now", lambda: later)
    for url, copy in copies.items():
        if copy.status_code != 200:  # the detail is a 404 for keys without the embargo scope
            continue
        again = api.get(url, HTTP_IF_MODIFIED_SINCE=copy["Last-Modified"], **key_headers)
        assert again.status_code == 200
        assert again.content != copy.content
