from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from articles.models import Article, ContentChange
from tests.factories import (
    change,
    link,
    make_article,
    make_author,
    make_correction,
    make_draft,
    make_image,
    make_topic,
)

pytestmark = pytest.mark.django_db

LIST_FIELDS = {
    "id", "slug", "title", "dek", "summary", "type", "url", "api_url", "canonical_url",
    "licence", "published_at", "updated_at", "modified_at", "reading_time", "authors",
    "topics", "hero_image", "embargoed_until", "featured", "language", "translations",
}  # fmt: skip
DETAIL_FIELDS = LIST_FIELDS | {
    "body", "body_text", "image_credit", "pdf_url", "documents", "sources", "related", "corrections", "citation",
}  # fmt: skip


def slugs(response):
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def test_list_items_carry_the_documented_fields(api):
    author, topic = make_author(name="Lena Hartmann"), make_topic(name="Energy")
    article = make_article(authors=[author], topics=[topic], hero_image=make_image())
    response = api.get("/api/v1/articles/")
    assert response["Content-Type"] == "application/json"
    item = response.json()["results"][0]
    assert set(item) == LIST_FIELDS
    assert item["url"] == article.public_url
    assert item["canonical_url"] == article.public_url
    assert item["licence"] == "CC BY-ND 4.0"
    assert item["authors"][0]["name"] == "Lena Hartmann"
    assert item["authors"][0]["url"].endswith("/authors/lena-hartmann/")
    assert item["topics"][0]["slug"] == "energy"
    hero = item["hero_image"]
    assert {"url", "width", "height", "alt", "caption", "credit", "credit_url"} <= set(hero)
    assert hero["credit"] == "port.example (2024)"
    assert hero["renditions"] and {"url", "width", "format"} <= set(hero["renditions"][0])
    assert item["embargoed_until"] is None


def test_detail_adds_body_text_sources_related_corrections_and_citation(api):
    article = make_article(sources=2, licence="CC BY 4.0", canonical_url="https://first.example/a")
    other = make_article(title="The other one", summary="Other summary.")
    link(article, other)
    link(article, make_draft())  # a draft never appears, not even as a related article
    make_correction(article, note="Corrected a date.")
    data = api.get(f"/api/v1/articles/{article.slug}/").json()
    assert set(data) == DETAIL_FIELDS
    assert data["body"].startswith("<p>First paragraph")
    assert "<p>" not in data["body_text"] and "First paragraph" in data["body_text"]
    assert [s["title"] for s in data["sources"]] == ["Source 0", "Source 1"]
    assert data["related"] == [
        {
            "slug": other.slug,
            "title": "The other one",
            "summary": "Other summary.",
            "url": other.public_url,
            "api_url": f"http://testserver/api/v1/articles/{other.slug}/",
            "kind": "curated",
        }
    ]
    assert [c["note"] for c in data["corrections"]] == ["Corrected a date."]
    assert set(data["citation"]) == {"chicago", "apa", "bibtex", "ris", "csl"}
    assert data["licence"] == "CC BY 4.0"
    assert data["canonical_url"] == "https://first.example/a"


def test_drafts_archived_and_scheduled_articles_are_not_listed_or_found(api):
    live = make_article()
    hidden = [
        make_draft(),
        make_article(status=Article.Status.ARCHIVED),
        make_article(published_at=timezone.now() + timedelta(days=1)),
    ]
    assert slugs(api.get("/api/v1/articles/")) == [live.slug]
    for article in hidden:
        assert api.get(f"/api/v1/articles/{article.slug}/").status_code == 404


def test_filter_by_author_and_topic(api):
    author, topic = make_author(), make_topic()
    by_author = make_article(authors=[author])
    on_topic = make_article(topics=[topic])
    make_article()
    assert slugs(api.get(f"/api/v1/articles/?author={author.slug}")) == [by_author.slug]
    assert slugs(api.get(f"/api/v1/articles/?topic={topic.slug}")) == [on_topic.slug]


def test_filter_by_type(api):
    report = make_article(article_type=Article.Type.REPORT)
    make_article(article_type=Article.Type.ANALYSIS)
    assert slugs(api.get("/api/v1/articles/?type=report")) == [report.slug]


def test_filter_by_publication_window_and_update_time(api):
    now = timezone.now()
    old = make_article(published_at=now - timedelta(days=10))
    new = make_article(published_at=now - timedelta(days=1))
    day = (now - timedelta(days=5)).date().isoformat()
    assert slugs(api.get(f"/api/v1/articles/?published_after={day}")) == [new.slug]
    assert slugs(api.get(f"/api/v1/articles/?published_before={day}")) == [old.slug]
    stamp = (now - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S%z").replace("+0000", "Z")
    assert slugs(api.get(f"/api/v1/articles/?published_after={stamp}")) == [new.slug]
    # updated_since reads the change log by commit time.
    ContentChange.objects.update(committed_at=now - timedelta(days=3))
    ContentChange.objects.filter(object_id=new.pk).update(committed_at=now)
    since = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert slugs(api.get(f"/api/v1/articles/?updated_since={since}")) == [new.slug]


def test_updated_since_catches_a_scheduled_publication_and_a_renamed_author(api):
    now = timezone.now()
    author = make_author(name="Ana Kova")
    quiet = make_article(published_at=now - timedelta(days=9))
    bylined = make_article(published_at=now - timedelta(days=8), authors=[author])
    due = make_article(published_at=now + timedelta(seconds=30))
    ContentChange.objects.update(committed_at=now - timedelta(days=3))
    since = (now - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert slugs(api.get(f"/api/v1/articles/?updated_since={since}")) == []

    change(author, name="Ana Kova-Lind")  # its log rows are not stamped yet: they count as now
    later = now + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        found = slugs(api.get(f"/api/v1/articles/?updated_since={since}"))
    assert sorted(found) == sorted([due.slug, bylined.slug])
    assert quiet.slug not in found


def test_search_uses_the_site_search(api):
    match = make_article(title="Pipelines under the Caspian", summary="Gas transit questions.")
    make_article(title="Cotton and water", summary="Irrigation.")
    assert slugs(api.get("/api/v1/articles/?search=pipelines")) == [match.slug]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["c", "b", "a"]),
        ("-published_at", ["c", "b", "a"]),
        ("published_at", ["a", "b", "c"]),
        ("-updated_at", ["b", "a", "c"]),
        ("updated_at", ["c", "a", "b"]),
        ("title", ["a", "b", "c"]),
    ],
)
def test_ordering(api, ordering, expected):
    now = timezone.now()
    made = {
        name: make_article(title=f"{name} title", slug=name, published_at=now - timedelta(days=d))
        for name, d in (("a", 3), ("b", 2), ("c", 1))
    }
    for name, hours in (("a", 2), ("b", 1), ("c", 3)):
        Article.objects.filter(pk=made[name].pk).update(updated_at=now - timedelta(hours=hours))
    query = f"?ordering={ordering}" if ordering else ""
    assert slugs(api.get(f"/api/v1/articles/{query}")) == expected


def test_sparse_fields_on_list_and_detail(api):
    article = make_article(authors=[make_author()])
    item = api.get("/api/v1/articles/?fields=title,slug,authors").json()["results"][0]
    assert set(item) == {"title", "slug", "authors"}
    detail = api.get(f"/api/v1/articles/{article.slug}/?fields=body_text,citation").json()
    assert set(detail) == {"body_text", "citation"}


def test_page_number_pagination_with_count_and_links(api):
    for _ in range(5):
        make_article()
    first = api.get("/api/v1/articles/?page_size=2").json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["previous_url"] is None
    assert first["next_url"] == "http://testserver/api/v1/articles/?page=2&page_size=2"
    last = api.get("/api/v1/articles/?page_size=2&page=3").json()
    assert len(last["results"]) == 1 and last["next_url"] is None
    assert last["previous_url"] == "http://testserver/api/v1/articles/?page=2&page_size=2"
    assert last["next_cursor"] is None
    assert len(api.get("/api/v1/articles/?page_size=100").json()["results"]) == 5


def test_an_empty_list_is_page_one_not_an_error(api):
    assert api.get("/api/v1/articles/").json() == {
        "count": 0,
        "next_url": None,
        "previous_url": None,
        "next_cursor": None,
        "results": [],
    }


def test_authors_and_topics(api):
    author = make_author(name="Tamar Beridze", links="https://example.org/tb\n")
    topic = make_topic(name="South Caucasus", description="Armenia, Azerbaijan, Georgia.")
    make_author(name="Not Yet Published")  # public only with a published article
    make_article(authors=[author], topics=[topic])
    authors = api.get("/api/v1/authors/").json()
    assert [a["slug"] for a in authors["results"]] == ["tamar-beridze"]
    detail = api.get(f"/api/v1/authors/{author.slug}/").json()
    assert detail["links"] == ["https://example.org/tb"]
    assert detail["articles_url"].endswith("/api/v1/articles/?author=tamar-beridze")
    topics = api.get("/api/v1/topics/").json()
    assert [t["slug"] for t in topics["results"]] == ["south-caucasus"]
    detail = api.get(f"/api/v1/topics/{topic.slug}/").json()
    assert detail["description"] == "Armenia, Azerbaijan, Georgia."
    assert api.get("/api/v1/authors/nobody/").status_code == 404
    assert api.get("/api/v1/topics/nothing/").status_code == 404


def test_cors_is_open_for_get(api):
    make_article()
    response = api.get("/api/v1/articles/", HTTP_ORIGIN="https://partner.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = api.options(
        "/api/v1/articles/",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert preflight.status_code == 200
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "authorization" in preflight["Access-Control-Allow-Headers"]


def test_head_answers_like_get_without_a_body(api):
    make_article()
    ContentChange.objects.update(committed_at=timezone.now() - timedelta(seconds=2))
    response = api.head("/api/v1/articles/")
    get = api.get("/api/v1/articles/")
    assert response.status_code == 200
    assert response.content == b""
    assert response["Last-Modified"] == get["Last-Modified"]
