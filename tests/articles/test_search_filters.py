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


@pytest.mark.parametrize("typed", ["lena", "Lena Hartmann", "lena hartmann", "Hartm"])
def test_the_author_is_typed_by_name_part_of_it_or_slug(client, corpus, typed):
    titles = result_titles(client.get("/search/", {"q": "pipeline", "author": typed}))
    assert sorted(titles) == ["Dams and rivers", "Pipeline politics"]


def test_part_of_a_name_shared_by_several_authors_finds_them_all(client, corpus):
    make_article(title="Pipeline maths", authors=[make_author(name="Lenara Osmanova")])
    titles = result_titles(client.get("/search/", {"q": "pipeline", "author": "Len"}))
    assert sorted(titles) == ["Dams and rivers", "Pipeline maths", "Pipeline politics"]
    # A whole name or a slug means that author only.
    titles = result_titles(client.get("/search/", {"q": "pipeline", "author": "lena"}))
    assert sorted(titles) == ["Dams and rivers", "Pipeline politics"]


def test_an_unknown_author_is_explained_and_ignored(client, corpus):
    make_author(name="Nobody Published", slug="nobody")  # no published article: not public
    for typed in ("Zebulon", "nobody"):
        response = client.get("/search/", {"q": "pipeline", "author": typed})
        assert f"No author’s name contains “{typed}”." in response.text
        assert len(result_titles(response)) == 3


def test_a_part_of_a_name_too_many_authors_share_asks_for_more(client, corpus, monkeypatch):
    monkeypatch.setattr("articles.forms.MAX_AUTHOR_MATCHES", 1)
    make_article(title="Pipeline maths", authors=[make_author(name="Lenara Osmanova")])
    response = client.get("/search/", {"q": "pipeline", "author": "Len"})
    assert "More than 1 authors’ names contain “Len”: type more of the name." in response.text
    assert len(result_titles(response)) == 4


def test_the_author_field_is_a_labelled_text_field_with_suggestions(client, corpus):
    page = client.get("/search/?q=pipeline&author=Hartm").text
    assert '<label for="id_author">Author</label>' in page
    field = re.search(r"<input [^>]*name=\"author\"[^>]*>", page).group(0)
    assert 'value="Hartm"' in field and 'list="author-suggestions"' in field
    assert 'aria-describedby="id_author-hint"' in field
    assert 'data-suggest-url="/search/authors/"' in field
    assert '<datalist id="author-suggestions"></datalist>' in page
    assert '<select name="author"' not in page
    assert "js/author-suggest" in page


def test_author_suggestions_name_public_authors_only(client, corpus):
    make_author(name="Lena Unpublished", slug="lena-2")
    response = client.get("/search/authors/", {"q": "len"})
    assert response.status_code == 200
    assert response.json() == {"authors": [{"name": "Lena Hartmann", "slug": "lena"}]}
    assert client.get("/search/authors/", {"q": "l"}).json() == {"authors": []}
    assert client.get("/search/authors/").json() == {"authors": []}


def test_the_search_page_lists_no_authors_however_many_there_are(
    client, django_assert_max_num_queries
):
    for n in range(12):
        make_article(title=f"Grain {n}", authors=[make_author(name=f"Writer {n}")])
    with django_assert_max_num_queries(9):
        response = client.get("/search/", {"q": "grain", "author": "Writer 3"})
    assert result_titles(response) == ["Grain 3"]
    assert "Writer 7" not in response.text
