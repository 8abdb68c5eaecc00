"""Search by language: every article is stemmed by its own language's rules (PostgreSQL),
`simple` (exact words) where PostgreSQL has no stemmer; the page and the API filter by
language."""

import pytest
from django.db import connection

from articles.models import Article
from articles.search import search_articles
from tests.factories import edit, make_article

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stemming is PostgreSQL's text search"
)


def titles(query, language=None):
    found = search_articles(Article.objects.published(), query, language=language)
    return [article.title for article in found]


@pytest.fixture
def three_languages():
    english = make_article(
        language="en",
        title="Shipping routes across the Caspian",
        body="<p>Ferries are carrying more containers between the ports every year.</p>",
    )
    russian = make_article(
        language="ru",
        title="Морские перевозки на Каспии",
        body="<p>Паромы перевозят всё больше контейнеров между портами Баку и Актау.</p>",
    )
    azerbaijani = make_article(
        language="az",
        title="Xəzər dənizində yükdaşıma",
        body="<p>Bərələr hər il limanlar arasında daha çox konteyner daşıyır. "
        "Dəmir yolu ilə bağlı işlər davam edir.</p>",
    )
    return english, russian, azerbaijani


@postgresql_only
def test_russian_inflected_forms_are_found_by_russian_stemming(three_languages):
    # The text says "контейнеров" (genitive plural) and "портами" (instrumental plural).
    assert titles("контейнер") == ["Морские перевозки на Каспии"]
    assert titles("порт") == ["Морские перевозки на Каспии"]
    assert titles("паромами", language="ru") == ["Морские перевозки на Каспии"]


@postgresql_only
def test_azerbaijani_matches_exact_words_only(three_languages):
    assert titles("bərələr") == ["Xəzər dənizində yükdaşıma"]
    assert titles("Dəmir yolu", language="az") == ["Xəzər dənizində yükdaşıma"]
    # No stemmer: another form of the word is not the word (ə, ğ, ı are kept as they are).
    assert titles("bərə") == []
    assert titles("daşıyır") == ["Xəzər dənizində yükdaşıma"]
    assert titles("dasiyir") == []


@postgresql_only
def test_english_query_is_not_stemmed_into_russian_text_nor_english_rules_on_it(three_languages):
    # English stemming reduces "ferries" to "ferri": the English article only.
    assert titles("ferry") == ["Shipping routes across the Caspian"]
    # Searching Russian text in English gets nothing out of English stemming.
    assert titles("контейнер", language="en") == []
    assert titles("containers", language="ru") == []


@postgresql_only
def test_stored_vectors_use_the_article_language_configuration(three_languages):
    english, russian, azerbaijani = three_languages
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, search_config, search_vector::text FROM articles_article WHERE id = ANY(%s)",
            [[english.pk, russian.pk, azerbaijani.pk]],
        )
        rows = {pk: (config, vector) for pk, config, vector in cursor.fetchall()}
    assert rows[english.pk][0] == "english" and "'ferri'" in rows[english.pk][1]
    assert rows[russian.pk][0] == "russian" and "'контейнер'" in rows[russian.pk][1]
    assert rows[azerbaijani.pk][0] == "simple" and "'bərələr'" in rows[azerbaijani.pk][1]


@postgresql_only
def test_changing_the_language_restems_the_article():
    article = make_article(language="en", title="Паромы и порты", body="")
    assert titles("паромов") == []  # stored with English rules: no Russian stem
    edit(article, language="ru")
    assert article.search_config == "russian"
    assert titles("паромов") == ["Паромы и порты"]


def test_language_filter_narrows_results(three_languages):
    assert titles("Caspian", language="ru") == []
    assert titles("перевозки", language="ru") == ["Морские перевозки на Каспии"]
    assert titles("перевозки", language="en") == []


def test_search_page_filters_by_language(client, three_languages):
    response = client.get("/search/", {"q": "перевозки", "language": "en"})
    assert "Морские перевозки" not in response.content.decode()
    response = client.get("/search/", {"q": "перевозки", "language": "ru"})
    assert "Морские перевозки на Каспии" in response.content.decode()
    assert 'value="ru" lang="ru" selected' in response.content.decode()


def test_api_filters_by_language_and_refuses_unknown_ones(client, three_languages):
    response = client.get("/api/v1/articles/", {"language": "az"})
    assert response.status_code == 200
    assert [a["title"] for a in response.json()["results"]] == ["Xəzər dənizində yükdaşıma"]
    response = client.get("/api/v1/articles/", {"search": "перевозки", "language": "ru"})
    assert [a["title"] for a in response.json()["results"]] == ["Морские перевозки на Каспии"]
    response = client.get("/api/v1/articles/", {"language": "xx"})
    assert response.status_code == 400
    assert "language" in response.content.decode()
