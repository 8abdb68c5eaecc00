"""The API detail's `related` field: the same block as the page, from the same selector."""

import pytest
from django.test import Client

from articles import services
from articles.models import Article
from related.services import refresh_suggestions
from tests.factories import delete, link, make_article, make_draft, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return Client()


def related(api, article):
    response = api.get(f"/api/v1/articles/{article.slug}/")
    assert response.status_code == 200, response.content
    return response.json()["related"]


def test_related_lists_curated_then_suggested_with_slug_title_summary_and_url(api):
    energy = make_topic(name="Energy")
    main = make_article(title="Gas pipeline exports", topics=[energy])
    curated = make_article(title="Harvest report", summary="Wheat did well.")
    suggested = make_article(title="Gas pipeline tariffs", topics=[energy], summary="")
    link(main, curated)
    refresh_suggestions(article_ids=[main.pk])
    items = related(api, main)
    assert [(i["slug"], i["kind"]) for i in items[:2]] == [
        (curated.slug, "curated"),
        (suggested.slug, "suggested"),
    ]
    first = items[0]
    assert first["title"] == "Harvest report"
    assert first["summary"] == "Wheat did well."
    assert first["url"] == curated.public_url
    assert items[1]["summary"] == suggested.excerpt  # the first sentence when no summary


@pytest.mark.parametrize("take_down", ["unpublish_article", "archive_article"])
def test_a_curated_link_to_an_article_taken_down_vanishes_from_the_api_and_comes_back(
    api, publisher, take_down
):
    main = make_article(title="Main")
    target = make_article(title="Target")
    link(main, target)
    assert [i["slug"] for i in related(api, main)] == [target.slug]

    getattr(services, take_down)(article=target, user=publisher)
    assert target.status != Article.Status.PUBLISHED
    assert related(api, main) == []

    services.publish_article(article=target, user=publisher)
    assert [i["slug"] for i in related(api, main)] == [target.slug]


def test_a_curated_link_to_a_deleted_article_vanishes_from_the_api(api):
    main, target = make_article(title="Main"), make_article(title="Target")
    link(main, target)
    delete(target)
    assert related(api, main) == []


def test_drafts_are_never_suggested_through_the_api(api):
    energy = make_topic(name="Energy")
    main = make_article(title="Gas", topics=[energy])
    make_draft(title="Gas draft", topics=[energy])
    refresh_suggestions(article_ids=[main.pk])
    assert related(api, main) == []


def test_api_detail_query_count_does_not_grow_with_curated_links(
    api, django_assert_max_num_queries
):
    energy = make_topic(name="Energy")
    lonely = make_article(title="No links", topics=[energy])
    busy = make_article(title="Ten links", topics=[energy])
    for order in range(10):
        link(busy, make_article(title=f"Linked {order}", summary="", topics=[energy]), order)
    refresh_suggestions(article_ids=[lonely.pk, busy.pk])

    counts = []
    for article in (lonely, busy):
        with django_assert_max_num_queries(20) as captured:
            assert len(related(api, article)) == 3
        counts.append(len(captured.captured_queries))
    assert counts[1] <= counts[0]
