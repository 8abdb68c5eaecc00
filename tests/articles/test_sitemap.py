import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_author, make_draft, make_image, make_topic

pytestmark = pytest.mark.django_db

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
IMAGE = "{http://www.google.com/schemas/sitemap-image/1.1}"
URL_CHILD_ORDER = ["loc", "lastmod", "changefreq", "priority"]


def fetch(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def locs(root):
    return [url.findtext(f"{SM}loc") for url in root.findall(f"{SM}url")]


def hide_everything(**common):
    make_draft(slug="hidden-draft", **common)
    make_article(slug="hidden-scheduled", published_at=timezone.now() + timedelta(days=1), **common)
    make_article(slug="hidden-archived", status=Article.Status.ARCHIVED, **common)


def test_sitemap_index_lists_every_section(client, settings):
    make_article()
    index = fetch(client, "/sitemap.xml")
    assert index.tag == f"{SM}sitemapindex"
    children = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    for section in ("pages", "articles", "authors", "topics"):
        assert any(loc.endswith(f"/sitemap-{section}.xml") for loc in children)


def test_article_sitemap_has_published_articles_with_updated_at_as_lastmod(client, settings):
    article = make_article(slug="live", published_at=datetime(2024, 1, 5, tzinfo=UTC))
    Article.objects.filter(pk=article.pk).update(updated_at=datetime(2024, 2, 9, 8, tzinfo=UTC))
    hide_everything()
    root = fetch(client, "/sitemap-articles.xml")
    assert locs(root) == [f"{settings.SITE_URL}/articles/live/"]
    url = root.find(f"{SM}url")
    assert url.findtext(f"{SM}lastmod") == "2024-02-09"
    tags = [child.tag.removeprefix(SM) for child in url]
    assert tags == [t for t in URL_CHILD_ORDER if t in tags]


def test_author_and_topic_sitemaps_only_list_those_with_published_articles(client, settings):
    author, topic = make_author(slug="active"), make_topic(slug="covered")
    make_article(authors=[author], topics=[topic])
    hide_everything(authors=[make_author(slug="quiet")], topics=[make_topic(slug="bare")])
    assert locs(fetch(client, "/sitemap-authors.xml")) == [f"{settings.SITE_URL}/authors/active/"]
    assert locs(fetch(client, "/sitemap-topics.xml")) == [f"{settings.SITE_URL}/topics/covered/"]


def test_page_sitemap_lists_the_index_pages(client, settings):
    assert locs(fetch(client, "/sitemap-pages.xml")) == [
        f"{settings.SITE_URL}/",
        f"{settings.SITE_URL}/articles/",
        f"{settings.SITE_URL}/authors/",
        f"{settings.SITE_URL}/topics/",
        *(
            f"{settings.SITE_URL}/{code}/{page}"
            for code in settings.CONTENT_LANGUAGES
            for page in ("", "articles/")
        ),
    ]


def test_image_sitemap_lists_hero_images_of_published_articles(client, settings):
    make_article(slug="pictured", hero_image=make_image())
    make_article(slug="plain")
    hide_everything(hero_image=make_image())
    root = fetch(client, "/sitemap-images.xml")
    assert locs(root) == [f"{settings.SITE_URL}/articles/pictured/"]
    image_loc = root.find(f"{SM}url/{IMAGE}image/{IMAGE}loc").text
    assert image_loc.startswith(settings.SITE_URL) and image_loc.endswith(".jpg")


def test_main_sitemaps_stay_within_the_sitemaps_org_schema(client):
    """The sitemaps.org XSD allows only its own elements strictly: no extensions there."""
    make_article(hero_image=make_image(), authors=[make_author()], topics=[make_topic()])
    for section in ("pages", "articles", "authors", "topics"):
        root = fetch(client, f"/sitemap-{section}.xml")
        for element in root.iter():
            assert element.tag.startswith(SM), element.tag


@pytest.mark.parametrize("count", [1, 20])
@pytest.mark.parametrize(
    "path",
    [
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-authors.xml",
        "/sitemap-topics.xml",
        "/sitemap-images.xml",
    ],
)
def test_sitemaps_run_constant_queries(client, django_assert_max_num_queries, count, path):
    for _ in range(count):
        make_article(hero_image=make_image(), authors=[make_author()], topics=[make_topic()])
    with django_assert_max_num_queries(8):
        assert client.get(path).status_code == 200
