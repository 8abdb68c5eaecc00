"""Pages in several languages: `lang` where the language changes, reciprocal hreflang
alternates, the language switcher, language sections and feeds, the sitemap's alternates,
the reader interface in Russian; old addresses unchanged."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from lxml import etree

from articles.models import Article
from tests.factories import link, make_article, make_author, make_draft, make_topic

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
ATOM = "{http://www.w3.org/2005/Atom}"
ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


def translation_of(source, **fields):
    return make_article(
        translation_group=source.translation_group, translated_from=source.language, **fields
    )


@pytest.fixture
def group():
    english = make_article(
        language="en", slug="caspian-ports", title="Ports on the Caspian are busier"
    )
    russian = translation_of(
        english, language="ru", slug="kaspiyskie-porty", title="Порты Каспия загружены"
    )
    azerbaijani = translation_of(
        english, language="az", slug="xezer-limanlari", title="Xəzər limanları yüklənib"
    )
    return english, russian, azerbaijani


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_hreflang_alternates_are_reciprocal_with_x_default(client, group, settings):
    make_draft(translation_group=group[0].translation_group, language="kk", slug="draft-kazakh")
    expected = {
        ("az", f"{settings.SITE_URL}/articles/xezer-limanlari/"),
        ("en", f"{settings.SITE_URL}/articles/caspian-ports/"),
        ("ru", f"{settings.SITE_URL}/articles/kaspiyskie-porty/"),
        ("x-default", f"{settings.SITE_URL}/articles/caspian-ports/"),
    }
    for article in group:
        html = page(client, article)
        assert set(ALTERNATE.findall(html)) == expected, article.language
        assert "draft-kazakh" not in html


def test_an_article_without_published_translations_has_no_alternates(client):
    assert not ALTERNATE.findall(page(client, make_article()))


def test_russian_article_speaks_russian(client, group):
    english, russian, _ = group
    link(russian, make_article(language="en", slug="steppe-grid", title="Steppe grid"))
    link(russian, english, order=1)  # its own English original: the switcher's, not the block's
    html = page(client, russian)
    assert '<html lang="ru">' in html
    assert "<h1>Порты Каспия загружены</h1>" in html  # the page's own language: no lang
    assert "Статьи по теме" in html and "Related Articles" not in html
    assert '<p class="kicker">Аналитика' in html  # the article type, a model choice
    assert "минута чтения" in html or "минуты чтения" in html or "минут чтения" in html
    # The English related article is marked as English inside the Russian page.
    assert '<a href="/articles/steppe-grid/" lang="en">Steppe grid</a>' in html
    block = re.search(r'<section class="related".*?</section>', html, re.S).group(0)
    assert "caspian-ports" not in block


def test_azerbaijani_article_marks_its_content_in_an_english_interface(client, group):
    html = page(client, group[2])
    assert '<html lang="en">' in html  # no Azerbaijani interface strings are shipped
    assert '<h1 lang="az">Xəzər limanları yüklənib</h1>' in html
    assert '<div class="article-body" lang="az">' in html


def test_language_switcher_links_the_published_translations(client, group):
    html = page(client, group[0])
    switcher = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S).group(0)
    assert 'href="/articles/kaspiyskie-porty/" lang="ru" hreflang="ru">Русский</a>' in switcher
    assert 'href="/articles/xezer-limanlari/" lang="az" hreflang="az">' in switcher
    assert "caspian-ports" not in switcher


def test_english_list_marks_russian_cards_and_names(client, group):
    author = make_author(name="Marina Sokolova", names={"ru": "Марина Соколова"})
    make_article(language="ru", title="Каспийская конвенция", authors=[author])
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert '<h3 class="card-title" lang="ru"><a href="/articles/kaspiyskie-porty/">' in html
    assert '<span lang="ru">Марина Соколова</span>' in html
    assert '<h3 class="card-title"><a href="/articles/caspian-ports/">' in html


def test_names_fall_back_to_the_main_name(client):
    topic = make_topic(name="Energy", names={"ru": "Энергетика"})
    author = make_author(name="Lena Hartmann")
    russian = make_article(language="ru", authors=[author], topics=[topic])
    html = page(client, russian)
    assert ">Энергетика</a>" in html
    assert '<span lang="en">Lena Hartmann</span>' in html


def test_language_sections_list_one_language_in_its_interface(client, group):
    html = client.get("/ru/").content.decode()
    assert '<html lang="ru">' in html
    assert "Порты Каспия загружены" in html and "Ports on the Caspian" not in html
    archive = client.get("/az/articles/").content.decode()
    assert "Xəzər limanları yüklənib" in archive and "Порты" not in archive
    assert client.get("/xx/").status_code == 404
    assert client.get("/ru/articles/").status_code == 200


def test_old_addresses_keep_working(client, group):
    for path in ("/", "/articles/", "/articles/kaspiyskie-porty/", "/feeds/rss/", "/search/"):
        assert client.get(path).status_code == 200, path


def test_language_feeds(client, group):
    rss = ET.fromstring(client.get("/ru/feeds/rss/").content)
    assert rss.findtext("channel/language") == "ru"
    assert [item.findtext("title") for item in rss.findall("channel/item")] == [
        "Порты Каспия загружены"
    ]
    atom = ET.fromstring(client.get("/feeds/atom/").content)
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert atom.get(lang) == "en"
    by_title = {e.findtext(f"{ATOM}title"): e.get(lang) for e in atom.findall(f"{ATOM}entry")}
    assert by_title == {
        "Ports on the Caspian are busier": None,
        "Порты Каспия загружены": "ru",
        "Xəzər limanları yüklənib": "az",
    }
    atom_az = ET.fromstring(client.get("/az/feeds/atom/").content)
    assert atom_az.get(lang) == "az"


def test_sitemap_alternates_validate_and_are_reciprocal(client, group, settings):
    make_article(slug="alone")
    content = client.get("/sitemap-articles.xml").content
    schema = etree.XMLSchema(etree.parse(str(DATA / "sitemap-with-alternates.xsd")))
    document = etree.fromstring(content)
    assert schema.validate(document), schema.error_log
    root = ET.fromstring(content)
    alternates = {
        url.findtext(f"{SM}loc"): {
            (a.get("hreflang"), a.get("href")) for a in url.findall(f"{XHTML}link")
        }
        for url in root.findall(f"{SM}url")
    }
    assert alternates.pop(f"{settings.SITE_URL}/articles/alone/") == set()
    sets = list(alternates.values())
    assert len(sets) == 3 and all(s == sets[0] for s in sets)
    assert {loc for _, loc in sets[0]} == set(alternates)
    assert ("x-default", f"{settings.SITE_URL}/articles/caspian-ports/") in sets[0]


def test_article_page_queries_do_not_grow_with_translations(
    client, django_assert_num_queries, django_assert_max_num_queries
):
    alone = make_article(authors=[make_author()], topics=[make_topic()], sources=2)
    with django_assert_max_num_queries(10) as baseline:
        page(client, alone)
    source = make_article(authors=[make_author()], topics=[make_topic()], sources=2)
    for language in ("ru", "az", "kk"):
        translation_of(source, language=language)
    with django_assert_num_queries(len(baseline.captured_queries)):
        html = page(client, source)
    assert len(ALTERNATE.findall(html)) == 5


def test_json_ld_names_the_language_and_the_translations(client, group, settings):
    english, russian, azerbaijani = group
    html = page(client, russian)
    assert '"inLanguage": "ru"' in html
    assert (
        f'"translationOfWork": {{"@id": "{settings.SITE_URL}/articles/caspian-ports/", '
        '"inLanguage": "en"}' in html
    )
    html = page(client, english)
    assert '"workTranslation": [' in html and "xezer-limanlari" in html
    assert Article.objects.get(pk=azerbaijani.pk).translation_source == english


def test_related_block_prefers_the_translation_in_the_page_language(client, group):
    english, russian, _ = group
    other_english = make_article(language="en", slug="rail-links", title="Rail links")
    other_russian = translation_of(
        other_english, language="ru", slug="zheleznye-dorogi", title="Железные дороги"
    )
    untranslated = make_article(language="en", slug="ferries", title="Ferries")
    link(russian, other_english, order=0)
    link(russian, untranslated, order=1)
    html = page(client, russian)
    block = re.search(r'<section class="related".*?</section>', html, re.S).group(0)
    assert 'href="/articles/zheleznye-dorogi/">Железные дороги</a>' in block
    assert "rail-links" not in block
    assert 'href="/articles/ferries/" lang="en">Ferries</a>' in block
    # The API's related field shows what the page shows.
    data = client.get(f"/api/v1/articles/{russian.slug}/").json()
    assert [r["slug"] for r in data["related"]] == [other_russian.slug, "ferries"]
    # An English page keeps the English article.
    link(english, other_russian)
    assert "rail-links" in page(client, english)
