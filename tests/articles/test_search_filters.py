"""Search a researcher would use: filters by type, topic, author and dates, sorting, the
result count and messages, on the page (a plain GET form) and in the API."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_author, make_topic

pytestmark = pytest.mark.django_db


def day(text):
    return timezone.make_aware(datetime.combine(datetime.fromisoformat(text).date(), time(12)))


@pytest.fixture
def corpus():
    energy, water = make_topic(name="Energy", slug="energy"), make_topic(name="Water", slug="water")
    lena, omar = (
        make_author(name="Lena Hartmann", slug="lena"),
        make_author(name="Omar Said", slug="omar"),
    )
    make_article(
        title="Pipeline politics",
        article_type=Article.Type.REPORT,
        topics=[energy],
        authors=[lena],
        published_at=day("2023-03-01"),
        body="<p>The pipeline question.</p>",
    )
    make_article(
        title="Pipeline tariffs explained",
        topics=[energy],
        authors=[omar],
        published_at=day("2024-06-01"),
        body="<p>Another pipeline story.</p>",
    )
    make_article(
        title="Dams and rivers",
        topics=[water],
        authors=[lena],
        published_at=day("2025-01-10"),
        body="<p>Water and a pipeline.</p>",
    )


def result_titles(response):
    assert response.status_code == 200
    return re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', response.text)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("", ["Pipeline politics", "Pipeline tariffs explained", "Dams and rivers"]),
        ("&type=report", ["Pipeline politics"]),
        ("&topic=energy", ["Pipeline politics", "Pipeline tariffs explained"]),
        ("&author=lena", ["Pipeline politics", "Dams and rivers"]),
        ("&published_from=2024-01-01", ["Pipeline tariffs explained", "Dams and rivers"]),
        ("&published_to=2024-06-01", ["Pipeline politics", "Pipeline tariffs explained"]),
        ("&author=lena&topic=water&published_from=2025-01-10", ["Dams and rivers"]),
    ],
)
def test_the_page_filters_results(client, corpus, params, expected):
    titles = result_titles(client.get(f"/search/?q=pipeline{params}"))
    assert sorted(titles) == sorted(expected)


def test_the_page_sorts_by_relevance_or_newest(client, corpus):
    newest = result_titles(client.get("/search/?q=pipeline&sort=newest"))
    assert newest == ["Dams and rivers", "Pipeline tariffs explained", "Pipeline politics"]
    relevant = result_titles(client.get("/search/?q=pipeline&sort=relevance"))
    assert relevant[-1] == "Dams and rivers"  # title matches rank first, then the newest


def test_the_page_says_how_many_match_and_keeps_the_filters_selected(client, corpus):
    page = client.get("/search/?q=pipeline&topic=energy&sort=newest").text
    assert '<p class="result-count" role="status">2 articles found.</p>' in page
    assert '<option value="energy" selected>Energy</option>' in page
    assert '<option value="newest" selected>Newest first</option>' in page
    assert 'name="published_from"' in page and 'type="date"' in page


def test_empty_and_too_long_queries_get_a_message_and_no_results(client, corpus):
    empty = client.get("/search/?q=+&topic=energy")
    assert "Your search is empty" in empty.text and result_titles(empty) == []
    too_long = client.get("/search/?q=" + "pipeline+" * 30)
    assert "Your search is too long: use at most 200 characters" in too_long.text
    assert 'aria-describedby="id_q-error" aria-invalid="true"' in too_long.text
    assert result_titles(too_long) == []
    first_visit = client.get("/search/").text
    assert "Your search is empty" not in first_visit and "Type a few words" in first_visit


def test_a_bad_filter_is_explained_and_ignored(client, corpus):
    response = client.get("/search/?q=pipeline&published_from=yesterday&topic=nope")
    assert "Enter a date such as 2024-01-31." in response.text
    assert "Select a valid choice." in response.text
    assert len(result_titles(response)) == 3
    backwards = client.get("/search/?q=pipeline&published_from=2025-01-01&published_to=2024-01-01")
    assert "The end date is before the start date." in backwards.text


@pytest.mark.parametrize("matches", [1, 8])
def test_the_filtered_search_page_costs_constant_queries(
    client, django_assert_max_num_queries, matches
):
    topic = make_topic(slug="energy")
    for _ in range(matches):
        make_article(title="Grain exports", topics=[topic], authors=[make_author()])
    with django_assert_max_num_queries(9):
        response = client.get("/search/?q=grain&topic=energy&sort=newest")
    assert len(result_titles(response)) == matches


def test_the_api_takes_the_same_filters_with_a_search(client, corpus):
    response = client.get(
        "/api/v1/articles/?search=pipeline&author=lena&published_after=2024-01-01"
        "&ordering=-published_at"
    )
    assert response.status_code == 200, response.content
    assert [a["title"] for a in response.json()["results"]] == ["Dams and rivers"]
    by_type = client.get("/api/v1/articles/?search=pipeline&type=report&topic=energy").json()
    assert [a["title"] for a in by_type["results"]] == ["Pipeline politics"]
    newest = client.get("/api/v1/articles/?search=pipeline&ordering=-published_at").json()
    assert [a["title"] for a in newest["results"]][0] == "Dams and rivers"
    assert newest["count"] == 3


def test_the_api_refuses_a_too_long_search(client):
    response = client.get("/api/v1/articles/?search=" + "a" * 201)
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "search"
    schema = client.get("/api/v1/schema/?format=json").json()
    [search] = [
        p
        for p in schema["paths"]["/api/v1/articles/"]["get"]["parameters"]
        if p["name"] == "search"
    ]
    assert search["schema"]["maxLength"] == 200  # the contract says so


def test_dates_are_whole_days(client):
    make_article(title="Late in the day", published_at=day("2024-06-01") + timedelta(hours=10))
    titles = result_titles(client.get("/search/?q=late&published_to=2024-06-01"))
    assert titles == ["Late in the day"]
