"""The API, the change feed and webhooks carry the language; articles list their published
translations; the schema documents both; query counts do not grow with translations."""

import json

import pytest
import yaml

from articles.models import ContentChange
from tests.factories import edit, make_article, make_author, make_draft, make_topic
from webhooks import payloads

pytestmark = pytest.mark.django_db


def translation_of(source, **fields):
    return make_article(
        translation_group=source.translation_group, translated_from=source.language, **fields
    )


def test_articles_carry_language_and_published_translations(client, settings):
    api = client
    english = make_article(language="en", slug="grid-links", title="Grid links")
    russian = translation_of(english, language="ru", slug="energosvyazi", title="Энергосвязи")
    make_draft(translation_group=english.translation_group, language="az", slug="draft-az")
    item = next(
        a for a in api.get("/api/v1/articles/").json()["results"] if a["slug"] == "grid-links"
    )
    assert item["language"] == "en"
    assert item["translations"] == [
        {
            "language": "ru",
            "slug": "energosvyazi",
            "title": "Энергосвязи",
            "url": f"{settings.SITE_URL}/articles/energosvyazi/",
            "api_url": "http://testserver/api/v1/articles/energosvyazi/",
        }
    ]
    detail = api.get(f"/api/v1/articles/{russian.slug}/").json()
    assert detail["language"] == "ru"
    assert [t["slug"] for t in detail["translations"]] == ["grid-links"]
    only = api.get("/api/v1/articles/", {"language": "ru"}).json()["results"]
    assert [a["slug"] for a in only] == ["energosvyazi"]


@pytest.mark.parametrize("page_size", [1, 100])
def test_list_queries_stay_constant_with_translations(
    client, django_assert_max_num_queries, page_size
):
    api = client
    for n in range(4):
        source = make_article(authors=[make_author()], topics=[make_topic()])
        for language in ("ru", "az", "kk")[: n % 3 + 1]:
            translation_of(source, language=language, authors=[make_author()])
    with django_assert_max_num_queries(5):  # count, page, authors, topics, translations
        response = api.get(f"/api/v1/articles/?page_size={page_size}")
    assert len(response.json()["results"]) == min(page_size, 11)


def test_change_feed_and_webhooks_carry_the_language(client):
    api = client
    article = make_article(language="az", title="Dəmir yolu")
    edit(article, title="Dəmir yolu xətti")
    events = api.get("/api/v1/changes/").json()["events"]
    assert {e["language"] for e in events if e["id"] == article.pk} == {"az"}
    change = ContentChange.objects.filter(object_id=article.pk).last()
    assert json.loads(payloads.body(change))["data"]["language"] == "az"


def test_schema_documents_language_and_translations(client):
    api = client
    schema = yaml.safe_load(api.get("/api/v1/schema/").content)
    summary = schema["components"]["schemas"]["ArticleSummary"]["properties"]
    assert "BCP 47" in summary["language"]["description"]
    assert summary["translations"]["type"] == "array"
    event = schema["components"]["schemas"]["ChangeEvent"]["properties"]
    assert "language" in event
    parameters = schema["paths"]["/api/v1/articles/"]["get"]["parameters"]
    language = next(p for p in parameters if p["name"] == "language")
    assert set(language["schema"]["enum"]) == {"en", "ru", "az", "kk"}
