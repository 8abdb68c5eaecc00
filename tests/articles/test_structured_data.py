import json
import re
from datetime import UTC, datetime
from unittest import mock

import pytest

from articles import services
from articles.revisions import system_user
from tests.factories import make_article, make_author, make_image, make_topic

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def page(client, slug):
    response = client.get(f"/articles/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def json_ld(html):
    [block] = JSON_LD.findall(html)
    return json.loads(block)


def meta(html, attribute, name):
    found = re.findall(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html)
    return found


@pytest.fixture
def article():
    article = make_article(
        title="Water, power and cotton",
        slug="water",
        dek="The trade-offs facing Central Asia",
        summary="Upstream dams and downstream fields.",
        authors=[
            make_author(name="Daniyar Seitkali", slug="daniyar", role="Research Associate"),
            make_author(name="Марина Соколова", slug="marina", role=""),
        ],
        topics=[make_topic(name="Water")],
        hero_image=make_image(
            alt_text="A dam on a river",
            caption="The Rogun dam site.",
            credit="Ministry of Energy (2023)",
            credit_url="https://example.org/photo",
            licence="CC BY 4.0",
        ),
        published_at=datetime(2024, 4, 1, 8, 0, tzinfo=UTC),
    )
    source = {
        "title": "Water report",
        "url": "https://example.org/water",
        "publisher": "World Bank",
    }
    # Two days later an editor adds the source and notes the fix publicly.
    with mock.patch("django.utils.timezone.now", return_value=datetime(2024, 4, 3, tzinfo=UTC)):
        services.save_article(
            article=article,
            user=system_user(),
            edited_version=article.version,
            inlines={"sources": [source]},
            correction="The dam height was corrected.",
        )
    return article


def test_json_ld_describes_the_article(client, article, settings):
    data = json_ld(page(client, "water"))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "AnalysisNewsArticle"
    assert data["headline"] == "Water, power and cotton"
    assert data["alternativeHeadline"] == "The trade-offs facing Central Asia"
    assert data["description"] == "Upstream dams and downstream fields."
    assert data["datePublished"] == "2024-04-01T08:00:00+00:00"
    assert data["dateModified"] >= data["datePublished"]
    assert data["mainEntityOfPage"] == article.canonical
    assert data["keywords"] == ["Water"]
    assert article.republication_licence == "CC BY-ND 4.0"
    assert data["license"] == "https://creativecommons.org/licenses/by-nd/4.0/"
    assert "copyrightNotice" not in data
    assert data["publisher"] == {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL + "/",
        "logo": {
            "@type": "ImageObject",
            "url": settings.SITE_URL + "/static/img/publisher-logo.png",
            "width": 512,
            "height": 512,
        },
    }


def test_json_ld_lists_every_author_as_a_person_with_their_page(client, article, settings):
    authors = json_ld(page(client, "water"))["author"]
    assert authors == [
        {
            "@type": "Person",
            "name": "Daniyar Seitkali",
            "url": f"{settings.SITE_URL}/authors/daniyar/",
            "jobTitle": "Research Associate",
        },
        {
            "@type": "Person",
            "name": "Марина Соколова",
            "url": f"{settings.SITE_URL}/authors/marina/",
        },
    ]


def test_json_ld_image_is_an_image_object_with_credit_licence_and_caption(client, article):
    image = json_ld(page(client, "water"))["image"]
    assert image["@type"] == "ImageObject"
    assert image["url"].startswith("http") and image["url"].endswith(".jpg")
    assert image["creditText"] == "Ministry of Energy (2023)"
    assert image["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "copyrightNotice" not in image  # the credit is creditText, not repeated
    assert image["caption"] == "The Rogun dam site."
    assert image["width"] == 800 and image["height"] == 450


def test_json_ld_cites_the_sources_and_lists_corrections(client, article):
    data = json_ld(page(client, "water"))
    assert data["citation"] == [
        {
            "@type": "CreativeWork",
            "name": "Water report",
            "url": "https://example.org/water",
            "publisher": {"@type": "Organization", "name": "World Bank"},
        }
    ]
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "The dam height was corrected.",
            "datePublished": "2024-04-03T00:00:00+00:00",
        }
    ]


@pytest.mark.parametrize(
    ("article_type", "schema_type"),
    [
        ("analysis", "AnalysisNewsArticle"),
        ("report", "ReportageNewsArticle"),
        ("event_summary", "ReportageNewsArticle"),
        ("news", "NewsArticle"),
        ("commentary", "OpinionNewsArticle"),
    ],
)
def test_json_ld_type_follows_the_article_type(client, article_type, schema_type):
    make_article(slug="typed", article_type=article_type)
    assert json_ld(page(client, "typed"))["@type"] == schema_type


def test_article_without_author_or_image_is_attributed_to_the_publisher(client, settings):
    make_article(slug="bare")
    data = json_ld(page(client, "bare"))
    assert data["author"] == [data["publisher"]]
    assert "image" not in data and "citation" not in data and "correction" not in data


def test_json_ld_cannot_break_out_of_its_script_element(client):
    make_article(slug="xss", title="</script><script>alert(1)</script> & more")
    html = page(client, "xss")
    [block] = JSON_LD.findall(html)
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["headline"] == "</script><script>alert(1)</script> & more"
    assert "<script>alert(1)" not in html


def test_canonical_opengraph_and_twitter_tags(client, article, settings):
    html = page(client, "water")
    assert f'<link rel="canonical" href="{article.public_url}">' in html
    assert meta(html, "property", "og:type") == ["article"]
    assert meta(html, "property", "og:title") == ["Water, power and cotton"]
    assert meta(html, "property", "og:description") == ["Upstream dams and downstream fields."]
    assert meta(html, "property", "og:url") == [article.public_url]
    assert meta(html, "property", "og:site_name") == [settings.SITE_NAME]
    [image_url] = meta(html, "property", "og:image")
    assert image_url.startswith(settings.SITE_URL) and image_url.endswith(".jpg")
    assert meta(html, "property", "og:image:alt") == ["A dam on a river"]
    assert meta(html, "property", "article:published_time") == ["2024-04-01T08:00:00+00:00"]
    assert meta(html, "property", "article:author") == [
        f"{settings.SITE_URL}/authors/daniyar/",
        f"{settings.SITE_URL}/authors/marina/",
    ]
    assert meta(html, "name", "twitter:card") == ["summary_large_image"]
    assert meta(html, "name", "twitter:title") == ["Water, power and cotton"]
    assert meta(html, "name", "twitter:image") == [image_url]


def test_canonical_points_to_the_original_when_republished(client):
    make_article(slug="repub", canonical_url="https://original.example/piece")
    html = page(client, "repub")
    assert '<link rel="canonical" href="https://original.example/piece">' in html
    assert meta(html, "property", "og:url") == ["https://original.example/piece"]


def test_article_without_image_gets_a_summary_card(client):
    make_article(slug="textonly")
    html = page(client, "textonly")
    assert meta(html, "name", "twitter:card") == ["summary"]
    assert meta(html, "property", "og:image") == []


def test_home_page_describes_the_site_and_its_search(client, settings):
    html = client.get("/").content.decode()
    data = json_ld(html)
    assert data["@type"] == "WebSite"
    assert (
        data["potentialAction"]["target"] == settings.SITE_URL + "/search/?q={search_term_string}"
    )


def test_a_licence_without_a_deed_is_a_copyright_notice_and_the_logo_is_configurable(
    client, article, settings
):
    settings.PUBLISHER_LOGO = "https://cdn.example.org/logo.png"
    article.licence = "All rights reserved"
    services.save_article(article=article, user=system_user(), edited_version=article.version)
    data = json_ld(page(client, "water"))
    assert "license" not in data
    assert data["copyrightNotice"] == "All rights reserved"
    assert data["publisher"]["logo"]["url"] == "https://cdn.example.org/logo.png"
