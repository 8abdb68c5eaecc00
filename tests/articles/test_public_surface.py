"""What the public may reach: control characters in queries, unpublished-only authors and
topics, old addresses that would shadow an article, and the Permissions-Policy header."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles import services
from articles.models import Article, LegacyPath
from tests.factories import make_article, make_author, make_draft, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%00",
        "/search/?q=gas%00pipeline",
        "/search/?q=%1b[31m",
        "/articles/?page=%00",
        "/?x%00=1",
        "/feeds/rss/?q=%7f",
    ],
)
def test_control_characters_in_a_page_query_are_a_400_never_a_500(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/api/v1/articles/?search=%00", "/api/v1/topics/?page=%01"])
def test_control_characters_in_an_api_query_are_a_400_problem(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid_parameter" and body["invalid_params"][0]["name"]


def test_tabs_and_ordinary_text_in_a_search_still_work(client):
    make_article(title="Gas pipelines")
    assert client.get("/search/?q=gas%09pipelines").status_code == 200
    assert client.get("/search/?q=caf%C3%A9").status_code == 200


def test_pages_send_a_permissions_policy(client):
    response = client.get("/")
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_an_author_and_topic_with_only_unpublished_articles_are_not_public(client):
    author = make_author(name="Quiet Fellow")
    topic = make_topic(name="Quiet Topic")
    make_draft(authors=[author], topics=[topic])
    make_article(authors=[author], topics=[topic], published_at=timezone.now() + timedelta(hours=1))
    hidden = [
        author.get_absolute_url(),
        f"{author.get_absolute_url()}feed/",
        f"{author.get_absolute_url()}feed/atom/",
        topic.get_absolute_url(),
        f"{topic.get_absolute_url()}feed/",
        f"/api/v1/authors/{author.slug}/",
        f"/api/v1/topics/{topic.slug}/",
    ]
    for url in hidden:
        assert client.get(url).status_code == 404, url
    assert author.slug not in client.get("/api/v1/authors/").content.decode()
    assert topic.slug not in client.get("/api/v1/topics/").content.decode()
    assert author.slug not in client.get("/sitemap-authors.xml").content.decode()
    assert author.slug not in client.get("/authors/").content.decode()

    make_article(authors=[author], topics=[topic])
    for url in hidden:
        assert client.get(url).status_code == 200, url
    assert author.slug in client.get("/api/v1/authors/").content.decode()


def test_the_author_api_list_costs_constant_queries(client, django_assert_max_num_queries):
    for n in range(3):
        make_article(authors=[make_author(name=f"Writer {n}")])
    client.get("/api/v1/authors/")
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/authors/").status_code == 200


def test_an_old_address_never_takes_over_an_unpublished_articles_address(client):
    live = make_article(title="Live piece", slug="live-piece")
    other = make_article(title="Other piece", slug="other-piece")
    # As an import could have stored it before the rule (or for an article made later).
    LegacyPath.objects.bulk_create([LegacyPath(path=live.get_absolute_url(), article=other)])
    assert client.get(live.get_absolute_url()).status_code == 200
    services.unpublish_article(article=live, user=make_user(superuser=True))
    assert client.get(live.get_absolute_url()).status_code == 404


def test_an_old_address_of_a_deleted_article_slug_still_redirects(client):
    other = make_article(title="Other piece", slug="other-piece")
    LegacyPath.objects.bulk_create([LegacyPath(path="/articles/gone-piece/", article=other)])
    response = client.get("/articles/gone-piece/")
    assert response.status_code == 301 and response["Location"] == other.get_absolute_url()


def test_a_legacy_path_equal_to_an_articles_address_is_refused(publisher):
    live = make_article(title="Live piece", slug="live-piece")
    other = make_article(title="Other piece", slug="other-piece")
    with pytest.raises(ValidationError):
        LegacyPath(path=live.get_absolute_url(), article=other).full_clean()
    assert Article.objects.count() == 2
