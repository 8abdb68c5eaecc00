"""Cursor pagination: a walk by `cursor` never repeats or skips an item, whatever is published
or withdrawn meanwhile; page numbers stay for people browsing."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles import services
from tests.api.conftest import assert_problem, auth, make_key
from tests.factories import edit, make_article, make_author, make_topic, make_user


def walk(api, url, *, between=None, **headers):
    """Every item of a cursor walk (by id), calling `between(n)` after each page."""
    seen, answer, n = [], api.get(url, **headers).json(), 0
    while True:
        seen += [item["id"] for item in answer["results"]]
        if between is not None:
            between(n)
        n += 1
        if answer["next_cursor"] is None:
            return seen
        separator = "&" if "?" in url else "?"
        answer = api.get(f"{url}{separator}cursor={answer['next_cursor']}", **headers).json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ordering", ["", "-published_at", "published_at", "-updated_at", "updated_at", "title"]
)
def test_a_cursor_walk_gives_the_whole_list_in_its_order(api, ordering):
    now = timezone.now()
    for n in range(7):
        make_article(title=f"Piece {n % 3} {n}", published_at=now - timedelta(hours=n % 4))
    query = f"&ordering={ordering}" if ordering else ""
    listed = api.get(f"/api/v1/articles/?page_size=100{query}").json()["results"]
    whole = [item["id"] for item in listed]
    assert walk(api, f"/api/v1/articles/?page_size=2{query}") == whole
    assert len(whole) == 7


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/authors/", "/api/v1/topics/"])
def test_authors_and_topics_walk_by_cursor_too(api, url):
    for n in range(5):
        author, topic = make_author(name=f"Same Name {n // 2}"), make_topic(name=f"Topic {n // 2}")
        make_article(authors=[author], topics=[topic])  # public only with a published article
    whole = [item["id"] for item in api.get(f"{url}?page_size=100").json()["results"]]
    assert walk(api, f"{url}?page_size=2") == whole and len(whole) == 5


@pytest.mark.django_db
def test_publishing_at_the_head_while_paging_repeats_and_skips_nothing(api, publisher):
    """Pages of 5 over 20 articles; after each page three are published at the head, one the
    client has seen and one it has not are withdrawn. Page numbers repeat items; cursors do
    not, and every article live the whole time is seen exactly once."""
    start = timezone.now() - timedelta(days=1)
    steady = [make_article(published_at=start - timedelta(hours=n)) for n in range(20)]
    seen, withdrawn = [], set()
    answer = api.get("/api/v1/articles/?page_size=5").json()
    while True:
        seen += [item["id"] for item in answer["results"]]
        for _ in range(3):
            make_article()  # published now: at the head of the list
        unseen = [a for a in steady if a.pk not in seen and a.pk not in withdrawn]
        already = [a for a in steady if a.pk in seen and a.pk not in withdrawn]
        for article in already[:1] + unseen[-1:]:
            services.unpublish_article(article=article, user=publisher)
            withdrawn.add(article.pk)
        if answer["next_cursor"] is None:
            break
        answer = api.get(f"/api/v1/articles/?page_size=5&cursor={answer['next_cursor']}").json()

    assert len(seen) == len(set(seen)), "an article came twice"
    always_live = {a.pk for a in steady} - withdrawn
    assert always_live <= set(seen), "an article live the whole time was skipped"


@pytest.mark.django_db
def test_page_numbers_do_repeat_items_when_articles_are_published_at_the_head(api):
    """Why cursors: the same churn with page numbers shows an item twice."""
    for n in range(10):
        make_article(published_at=timezone.now() - timedelta(days=1, hours=n))
    first = [i["id"] for i in api.get("/api/v1/articles/?page_size=5").json()["results"]]
    make_article()
    second = [i["id"] for i in api.get("/api/v1/articles/?page_size=5&page=2").json()["results"]]
    assert set(first) & set(second)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL's row locks"
)
def test_a_cursor_walk_under_concurrent_writes_has_no_duplicate_and_no_miss(api):
    """A writer thread publishes at the head and withdraws and edits older articles while the
    client walks with pages of 3."""
    start = timezone.now() - timedelta(days=1)
    steady = [make_article(published_at=start - timedelta(minutes=n)) for n in range(30)]
    churned = [make_article(published_at=start - timedelta(minutes=n, seconds=30))
               for n in range(10)]  # fmt: skip
    publisher = make_user("night-desk", role="Publisher")
    stop = threading.Event()

    def writer():
        n = 0
        try:
            while not stop.is_set():
                make_article(title=f"Breaking {n}")
                victim = churned[n % len(churned)]
                if n % 2:
                    services.unpublish_article(article=victim, user=publisher)
                else:
                    services.publish_article(article=victim, user=publisher)
                edit(steady[n % len(steady)], title=f"Edited {n}")
                n += 1
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.2)
        seen = walk(api, "/api/v1/articles/?page_size=3")
    finally:
        stop.set()
        thread.join()
    assert len(seen) == len(set(seen))
    assert {a.pk for a in steady} <= set(seen)


@pytest.mark.django_db
def test_an_embargo_key_walks_its_own_list(api):
    make_article()
    make_article(published_at=timezone.now() + timedelta(hours=3))
    _, secret = make_key(embargo=True)
    assert len(walk(api, "/api/v1/articles/?page_size=1", **auth(secret))) == 2
    assert len(walk(api, "/api/v1/articles/?page_size=1")) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("cursor=forged", "Not a cursor"),
        ("cursor={cursor}&page=2", "either"),
        ("cursor={cursor}&ordering=title", "ordering"),
        ("cursor={cursor}&search=article", "Search"),
    ],
)
def test_a_bad_cursor_is_a_400_naming_cursor(api, query, reason):
    make_article()
    make_article()
    cursor = api.get("/api/v1/articles/?page_size=1").json()["next_cursor"]
    body = assert_problem(
        api.get(f"/api/v1/articles/?page_size=1&{query.format(cursor=cursor)}"),
        400,
        "invalid_parameter",
        "cursor",
    )
    assert reason in body["invalid_params"][0]["reason"]


@pytest.mark.django_db
def test_a_tampered_cursor_is_refused(api):
    make_article()
    make_article()
    cursor = api.get("/api/v1/articles/?page_size=1").json()["next_cursor"]
    tampered = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]
    assert_problem(
        api.get(f"/api/v1/articles/?cursor={tampered}"), 400, "invalid_parameter", "cursor"
    )
