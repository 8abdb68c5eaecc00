"""Authors on the article: a box per author under the article, with "More from <author>"."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_author, make_draft, make_image

pytestmark = pytest.mark.django_db


def boxes(html):
    section = re.search(r'<section class="author-boxes".*?</section>', html, re.S)
    assert section, "no author boxes"
    return section.group(0)


def test_each_author_has_a_box_with_photo_role_bio_and_their_three_latest_articles(client):
    lena = make_author(
        name="Lena Hartmann",
        role="Senior Fellow",
        bio="Writes on energy.\n\nA second paragraph the box leaves out.",
        photo=make_image(alt_text="Lena Hartmann"),
    )
    omar = make_author(name="Omar Said", role="", bio="")
    now = timezone.now()
    older = [
        make_article(title=f"Lena older {n}", authors=[lena], published_at=now - timedelta(days=n))
        for n in range(2, 6)
    ]
    make_draft(title="Lena draft", authors=[lena])
    make_article(title="Lena scheduled", authors=[lena], published_at=now + timedelta(days=1))
    article = make_article(title="The one we read", authors=[lena, omar])

    html = boxes(client.get(article.get_absolute_url()).text)
    assert "About the authors" in html
    assert 'alt="Lena Hartmann"' in html and "Senior Fellow" in html
    assert "Writes on energy." in html and "second paragraph" not in html
    assert "More from Lena Hartmann" in html
    titles = re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', html)
    assert titles == [a.title for a in older[:3]]  # newest first, not this one, no drafts
    assert "More from Omar Said" not in html  # nothing else published


@pytest.mark.parametrize("count", [1, 4])
def test_author_boxes_cost_the_same_queries_however_many_authors(
    client, django_assert_max_num_queries, count
):
    authors = [make_author(photo=make_image()) for _ in range(count)]
    for author in authors:
        for _ in range(4):
            make_article(authors=[author])
    article = make_article(authors=authors)
    with django_assert_max_num_queries(10):  # one more since languages: the translations
        response = client.get(article.get_absolute_url())
    assert response.text.count('class="author-box"') == count
    assert response.text.count("<li><a href=") >= 3 * count


def test_an_article_without_authors_has_no_box(client):
    article = make_article()
    assert 'class="author-boxes"' not in client.get(article.get_absolute_url()).text


def test_author_pages_show_only_web_and_mail_links(client):
    author = make_author(links="https://example.org/me\njavascript:alert(1)\nmailto:x@example.org")
    make_article(authors=[author])
    page = client.get(author.get_absolute_url()).text
    assert 'href="https://example.org/me"' in page and 'href="mailto:x@example.org"' in page
    assert "javascript:" not in page
    assert Article.objects.published().latest_by_authors([author.pk]) == {
        author.pk: list(Article.objects.published())
    }


def test_more_from_lists_escape_names_and_titles(client):
    author = make_author(name="Ana <b>Bold</b>")
    make_article(title="Gas & <i>oil</i>", authors=[author])
    article = make_article(authors=[author])
    html = boxes(client.get(article.get_absolute_url()).text)
    assert "More from Ana &lt;b&gt;Bold&lt;/b&gt;" in html
    assert ">Gas &amp; &lt;i&gt;oil&lt;/i&gt;</a></li>" in html
    assert "<b>Bold" not in html and "<i>oil" not in html
