import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_author, make_draft, make_image, make_topic

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"


def hide_everything(**common):
    make_draft(title="Hidden draft", **common)
    make_article(
        title="Hidden scheduled", published_at=timezone.now() + timedelta(days=1), **common
    )
    make_article(title="Hidden archived", status=Article.Status.ARCHIVED, **common)


def fetch(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response, ET.fromstring(response.content)


@pytest.fixture
def article():
    return make_article(
        title="Gas transit after 2025",
        slug="gas-transit",
        dek="Who fills the pipes",
        summary="A full summary of the piece, not cut short.",
        authors=[make_author(name="Lena Hartmann"), make_author(name="Марина Соколова")],
        topics=[make_topic(name="Energy"), make_topic(name="Security")],
        hero_image=make_image(),
        licence="CC BY 4.0",
    )


def test_rss_is_rss_2_with_required_channel_elements(client, article, settings):
    response, rss = fetch(client, "/feeds/rss/")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel.findtext("title") == settings.SITE_NAME
    assert channel.findtext("link") == settings.SITE_URL + "/"
    assert channel.findtext("description")
    assert channel.findtext("copyright").endswith(settings.DEFAULT_REPUBLICATION_LICENCE)
    self_link = channel.find(f"{ATOM}link")
    assert self_link.get("rel") == "self" and self_link.get("href").endswith("/feeds/rss/")


def test_rss_item_has_summary_authors_categories_and_enclosure(client, article):
    _, rss = fetch(client, "/feeds/rss/")
    [item] = rss.find("channel").findall("item")
    assert item.findtext("title") == "Gas transit after 2025"
    assert item.findtext("link") == article.public_url
    assert item.findtext("guid") == article.public_url
    assert "A full summary of the piece, not cut short." in item.findtext("description")
    assert "Who fills the pipes" in item.findtext("description")
    assert item.findtext("pubDate")
    assert [c.text for c in item.findall(f"{DC}creator")] == ["Lena Hartmann", "Марина Соколова"]
    assert sorted(c.text for c in item.findall("category")) == ["Energy", "Security"]
    enclosure = item.find("enclosure")
    assert enclosure.get("url").startswith("http") and enclosure.get("url").endswith(".jpg")
    assert int(enclosure.get("length")) > 0
    assert enclosure.get("type") == "image/jpeg"
    assert item.findtext(f"{DC}rights") == "CC BY 4.0"


def test_atom_entries_meet_rfc_4287(client, article, settings):
    response, feed = fetch(client, "/feeds/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.findtext(f"{ATOM}{required}")
    assert feed.find(f"{ATOM}author/{ATOM}name").text == settings.SITE_NAME
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}id") == article.public_url
    assert entry.findtext(f"{ATOM}title") == "Gas transit after 2025"
    assert entry.findtext(f"{ATOM}updated")
    assert entry.findtext(f"{ATOM}published")
    authors = entry.findall(f"{ATOM}author")
    assert [a.findtext(f"{ATOM}name") for a in authors] == ["Lena Hartmann", "Марина Соколова"]
    assert all(a.findtext(f"{ATOM}uri").startswith(settings.SITE_URL) for a in authors)
    assert "A full summary" in entry.findtext(f"{ATOM}summary")
    assert sorted(c.get("term") for c in entry.findall(f"{ATOM}category")) == [
        "Energy",
        "Security",
    ]
    links = {link.get("rel"): link for link in entry.findall(f"{ATOM}link")}
    assert links["alternate"].get("href") == article.public_url
    assert links["enclosure"].get("type") == "image/jpeg"
    assert entry.findtext(f"{ATOM}rights") == "CC BY 4.0"


def test_atom_updated_follows_the_article_updated_at(client, article):
    Article.objects.filter(pk=article.pk).update(
        updated_at=article.published_at + timedelta(days=3)
    )
    _, feed = fetch(client, "/feeds/atom/")
    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}updated") > entry.findtext(f"{ATOM}published")


def test_article_without_authors_is_credited_to_the_site(client, settings):
    make_article(title="Unsigned")
    _, feed = fetch(client, "/feeds/atom/")
    entry = feed.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}author/{ATOM}name").text == settings.SITE_NAME
    _, rss = fetch(client, "/feeds/rss/")
    assert rss.find(f"channel/item/{DC}creator").text == settings.SITE_NAME


def test_republished_article_points_to_its_original(client):
    make_article(canonical_url="https://original.example/piece")
    _, feed = fetch(client, "/feeds/atom/")
    via = [
        link
        for link in feed.find(f"{ATOM}entry").findall(f"{ATOM}link")
        if link.get("rel") == "via"
    ]
    assert via[0].get("href") == "https://original.example/piece"


@pytest.mark.parametrize("path", ["/feeds/rss/", "/feeds/atom/"])
def test_site_feeds_never_include_unpublished_articles(client, path):
    hide_everything()
    make_article(title="Visible")
    body = client.get(path).content.decode()
    assert "Visible" in body and "Hidden" not in body


def test_author_feeds_list_only_that_authors_published_articles(client):
    author = make_author(slug="lena", name="Lena Hartmann")
    make_article(title="Hers", authors=[author])
    make_article(title="Someone else's")
    hide_everything(authors=[author])
    for path in ("/authors/lena/feed/", "/authors/lena/feed/atom/"):
        body = client.get(path).content.decode()
        assert "Hers" in body
        assert "Someone else" not in body and "Hidden" not in body
        assert "Lena Hartmann" in body


def test_topic_feeds_list_only_that_topics_published_articles(client):
    topic = make_topic(slug="energy", name="Energy")
    make_article(title="On energy", topics=[topic])
    make_article(title="Off topic")
    hide_everything(topics=[topic])
    for path in ("/topics/energy/feed/", "/topics/energy/feed/atom/"):
        body = client.get(path).content.decode()
        assert "On energy" in body
        assert "Off topic" not in body and "Hidden" not in body


@pytest.mark.parametrize(
    "path", ["/authors/nobody/feed/", "/authors/nobody/feed/atom/", "/topics/none/feed/"]
)
def test_feeds_of_unknown_authors_and_topics_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("count", [1, 20])
@pytest.mark.parametrize("path", ["/feeds/rss/", "/feeds/atom/", "/topics/t/feed/"])
def test_feeds_run_constant_queries(client, django_assert_max_num_queries, count, path):
    topic = make_topic(slug="t")
    for _ in range(count):
        make_article(
            authors=[make_author(), make_author()],
            topics=[topic, make_topic()],
            hero_image=make_image(),
        )
    with django_assert_max_num_queries(4):
        assert client.get(path).status_code == 200


def test_feed_items_are_capped(client):
    for _ in range(35):
        make_article()
    _, rss = fetch(client, "/feeds/rss/")
    assert len(rss.find("channel").findall("item")) == 30
