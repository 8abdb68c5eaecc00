"""Every endpoint answers in a constant number of queries, whatever the page size."""

import pytest

from tests.api.conftest import auth, make_key
from tests.factories import (
    edit,
    link,
    make_article,
    make_author,
    make_correction,
    make_image,
    make_topic,
)

pytestmark = pytest.mark.django_db

LIST_QUERIES = 5  # count, page, authors, topics, published translations
DETAIL_QUERIES = 9  # article, authors, topics, sources, corrections, related links (+ spare)
KEY_QUERIES = 6  # the key, last used, today's usage (created on the day's first request)


@pytest.fixture
def rich_articles():
    authors = [make_author() for _ in range(6)]
    topics = [make_topic() for _ in range(6)]
    articles = [
        make_article(authors=authors, topics=topics, sources=8, hero_image=make_image())
        for _ in range(4)
    ]
    for article in articles:
        for other in articles:
            if other != article:
                link(article, other, order=other.pk)
        make_correction(article, note="A fix.")
    return articles


@pytest.mark.parametrize("page_size", [1, 100])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "&fields=title,authors",
        "&author={author}",
        "&topic={topic}&ordering=title",
        "&search=article",
    ],
)
def test_article_list_queries_are_constant(
    api, rich_articles, django_assert_max_num_queries, page_size, query
):
    article = rich_articles[0]
    query = query.format(author=article.ordered_authors[0].slug, topic=article.topic_list[0].slug)
    with django_assert_max_num_queries(LIST_QUERIES + 1):
        response = api.get(f"/api/v1/articles/?page_size={page_size}{query}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, 4)


def test_article_detail_queries_are_constant(api, rich_articles, django_assert_max_num_queries):
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = api.get(f"/api/v1/articles/{rich_articles[0].slug}/")
    assert response.status_code == 200
    data = response.json()
    assert len(data["authors"]) == 6 and len(data["sources"]) == 8 and data["related"]


def test_keyed_list_adds_only_the_key_lookups(api, rich_articles, django_assert_max_num_queries):
    _, secret = make_key(embargo=True)
    with django_assert_max_num_queries(LIST_QUERIES + KEY_QUERIES):
        assert api.get("/api/v1/articles/?page_size=100", **auth(secret)).status_code == 200


@pytest.mark.parametrize("page_size", [1, 100])
@pytest.mark.parametrize("url", ["/api/v1/authors/", "/api/v1/topics/"])
def test_author_and_topic_lists_queries_are_constant(
    api, rich_articles, django_assert_max_num_queries, url, page_size
):
    with django_assert_max_num_queries(3):  # count, page, newest history row
        assert api.get(f"{url}?page_size={page_size}").status_code == 200


@pytest.mark.parametrize("limit", [1, 100])
def test_change_feed_queries_are_constant(api, rich_articles, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(2):
        response = api.get(f"/api/v1/changes/?limit={limit}")
    assert 1 <= len(response.json()["events"]) <= limit


@pytest.mark.parametrize("edits", [1, 20])
def test_revisions_queries_are_constant(api, rich_articles, django_assert_max_num_queries, edits):
    article = rich_articles[0]
    for n in range(edits):
        edit(article, title=f"Revision {n}")
    _, secret = make_key(revisions=True)
    with django_assert_max_num_queries(KEY_QUERIES + 4):
        response = api.get(f"/api/v1/articles/{article.slug}/revisions/", **auth(secret))
    assert response.json()["count"] >= edits + 1
