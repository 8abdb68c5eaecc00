"""Image credits are data, never body text: what a page-text import without an image file
shows, and what descriptions, feeds, citations and excerpts make of it."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from articles.credits import first_real_paragraph, licence_url, split_leading_credit
from articles.models import Article
from tests.factories import make_article, make_image

TEXT = Path(__file__).resolve().parent.parent / "data" / "import" / "text"
AKTAU = TEXT / "port-of-aktau.txt"
RAIL = TEXT / "rail-gauges-border.txt"
CREDIT = "Image source: portofaktau.example (2023)"

pytestmark = pytest.mark.django_db


def run_import(*paths):
    call_command("import_articles", *map(str, paths), stdout=StringIO(), stderr=StringIO())


@pytest.fixture
def imported():
    """Both pages, Aktau (no image file, a credit line) last: it leads the home page."""
    run_import(RAIL)
    run_import(AKTAU)
    articles = Article.objects.order_by("title")
    return articles.get(title__startswith="Aktau"), articles.get(title__startswith="Rail")


def head_and_body(response):
    page = response.content.decode()
    head, _, body = page.partition("</head>")
    return head, body


def test_the_page_shows_the_credit_once_and_never_in_its_descriptions(client, imported):
    aktau, _ = imported
    head, body = head_and_body(client.get(aktau.get_absolute_url()))
    assert "Image source" not in head  # meta, OpenGraph, Twitter and JSON-LD descriptions
    assert body.count("Image source") == 1
    assert f'<p class="hero-credit"><span class="credit">{CREDIT}</span></p>' in body
    assert '<meta name="description" content="Aktau handles a growing share' in head


@pytest.mark.parametrize("feed", ["/feeds/rss/", "/feeds/atom/"])
def test_feeds_never_carry_the_credit(client, imported, feed):
    content = client.get(feed).content.decode()
    assert "Aktau handles a growing share" in content
    assert "Image source" not in content


@pytest.mark.parametrize("fmt", ["bib", "ris", "json"])
def test_citations_never_carry_the_credit(client, imported, fmt):
    aktau, _ = imported
    response = client.get(f"{aktau.get_absolute_url()}cite.{fmt}")
    assert response.status_code == 200
    assert "Image source" not in response.content.decode()


def test_related_excerpts_and_the_home_page_never_carry_the_credit(client, imported):
    aktau, rail = imported
    rail_page = client.get(rail.get_absolute_url()).content.decode()
    assert aktau.title.replace("'", "&#x27;") in rail_page  # the related block lists Aktau
    assert "Image source" not in rail_page
    home = client.get("/").content.decode()
    assert "Aktau handles a growing share" in home  # the featured excerpt
    assert "Image source" not in home


def test_the_api_carries_the_credit_as_data(client, imported):
    aktau, _ = imported
    detail = client.get(f"/api/v1/articles/{aktau.slug}/").json()
    assert detail["image_credit"] == {
        "text": "portofaktau.example (2023)",
        "url": "",
        "licence": "",
        "licence_url": None,
    }
    assert "Image source" not in json.dumps(detail)


def test_a_hero_image_credit_wins_over_the_articles_own():
    image = make_image(credit="port.example (2024)", licence="CC BY 4.0")
    article = make_article(hero_image=image, image_credit="older.example")
    credit = article.image_credit_data
    assert (credit.text, credit.licence_url) == (
        "port.example (2024)",
        "https://creativecommons.org/licenses/by/4.0/",
    )


def test_the_data_migration_moves_leading_credit_lines_out_of_bodies():
    from importlib import import_module

    migration = import_module("articles.migrations.0011b_move_image_credits_out_of_bodies")
    old = make_article(
        summary="",
        body='<p>Image source: <a href="https://president.example/">president.example '
        "(2019)</a></p><p>The real first paragraph. And more.</p>",
    )
    untouched = make_article(body="<p>A body that mentions an image source: later on.</p>")
    migration.move_credits_out_of_bodies(apps, None)

    old.refresh_from_db()
    assert old.body == "<p>The real first paragraph. And more.</p>"
    assert (old.image_credit, old.image_credit_url) == (
        "president.example (2019)",
        "https://president.example/",
    )
    assert old.excerpt == "The real first paragraph."
    untouched_body = untouched.body
    untouched.refresh_from_db()
    assert untouched.body == untouched_body and untouched.image_credit == ""


def test_excerpts_skip_a_leading_credit_line():
    assert first_real_paragraph("<p>Image source: x (2020)</p><p></p><p>Words here.</p>") == (
        "Words here."
    )
    article = make_article(summary="", body="<p>Image credit: x</p><p>First. Second.</p>")
    assert article.excerpt == "First."
    assert article.meta_description == "First."


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("CC BY-ND 4.0", "https://creativecommons.org/licenses/by-nd/4.0/"),
        ("cc-by-nc-sa 4.0", "https://creativecommons.org/licenses/by-nc-sa/4.0/"),
        ("Creative Commons BY 3.0", "https://creativecommons.org/licenses/by/3.0/"),
        ("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
        ("https://example.org/licence", "https://example.org/licence"),
        ("All rights reserved", None),
        ("", None),
    ],
)
def test_licence_names_map_to_their_deeds(name, url):
    assert licence_url(name) == url


def test_split_leading_credit_leaves_other_bodies_alone():
    assert split_leading_credit("<p>Hello</p>") == ("", "", "<p>Hello</p>")
