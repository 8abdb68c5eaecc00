import re
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from articles import services
from articles.models import Article, LegacyPath
from articles.revisions import system_user
from tests.factories import (
    edit,
    link,
    make_article,
    make_author,
    make_draft,
    make_image,
    make_topic,
)

pytestmark = pytest.mark.django_db


def hidden_articles(**common):
    """A draft, a scheduled, an archived and an in-review article, all with the same words."""
    return [
        make_draft(title="Hidden draft zephyr", **common),
        make_article(
            title="Hidden scheduled zephyr",
            published_at=timezone.now() + timedelta(days=2),
            **common,
        ),
        make_article(title="Hidden archived zephyr", status=Article.Status.ARCHIVED, **common),
        make_article(
            title="Hidden review zephyr",
            status=Article.Status.IN_REVIEW,
            published_at=None,
            **common,
        ),
    ]


def assert_none_hidden(response):
    assert "Hidden" not in response.content.decode()


def save(article, *, correction="", inlines=None, **fields):
    """Save changed fields or inline rows as an editor would, with a public correction note."""
    current = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(current, name, value)
    services.save_article(
        article=current,
        user=system_user(),
        edited_version=current.version,
        inlines=inlines,
        correction=correction,
    )
    article.refresh_from_db()
    return article


def rich_article(n, **overrides):
    """An article with n authors (with photos), topics, sources, related links, corrections."""
    authors = [make_author(name=f"Writer{i} Family{i}", photo=make_image()) for i in range(n)]
    topics = [make_topic(name=f"Subject {i}") for i in range(n)]
    article = make_article(
        slug="rich",
        hero_image=make_image(credit="president.az (2019)", credit_url="https://president.az/"),
        authors=authors,
        topics=topics,
        sources=n,
        **overrides,
    )
    for i in range(n):
        link(article, make_article(title=f"Linked piece {i}", topics=topics[:1]), order=i)
        save(article, summary=f"Corrected summary {i}.", correction=f"Corrected figure {i}.")
    assert article.corrections.count() == n
    return article


def count_h1(response):
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


# Home


def test_home_shows_latest_with_title_dek_authors_and_date(client):
    author = make_author(name="Lena Hartmann")
    make_article(title="Gas transit after 2025", dek="Who fills the pipes", authors=[author])
    response = client.get("/")
    assert response.status_code == 200
    assert "Gas transit after 2025" in response.content.decode()
    assert "Who fills the pipes" in response.content.decode()
    assert f'href="{author.get_absolute_url()}"' in response.content.decode()
    assert count_h1(response) == 1


def test_home_never_lists_unpublished_articles(client):
    hidden_articles()
    make_article(title="Visible")
    response = client.get("/")
    assert "Visible" in response.content.decode()
    assert_none_hidden(response)


def test_home_paginates(client):
    for i in range(13):
        make_article(title=f"Numbered {i:02d}", published_at=timezone.now() - timedelta(hours=i))
    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()
    assert "Numbered 00" in first and "Numbered 11" in first and "Numbered 12" not in first
    assert "Numbered 12" in second and "Numbered 00" not in second
    assert 'rel="next" href="?page=2"' in first


@pytest.mark.parametrize("count", [1, 20])
def test_home_runs_constant_queries(client, django_assert_max_num_queries, count):
    for _ in range(count):
        make_article(
            hero_image=make_image(), authors=[make_author(), make_author()], topics=[make_topic()]
        )
    with django_assert_max_num_queries(5):
        assert client.get("/").status_code == 200


# The article page


def test_article_page_shows_everything_a_reader_needs(client, settings):
    author_a = make_author(name="Samira Aliyeva")
    author_b = make_author(name="Tom Berg")
    topic = make_topic(name="Energy")
    image = make_image(
        alt_text="Leaders shaking hands",
        caption="The signing ceremony.",
        credit="president.az (2019)",
        credit_url="https://president.az/",
    )
    article = make_article(
        title="The road to stability",
        slug="road",
        dek="What comes after the ceasefire",
        body="<p>Tensions remained high last week.</p>",
        authors=[author_a, author_b],
        topics=[topic],
        hero_image=image,
        published_at=datetime(2024, 3, 5, 9, 0, tzinfo=UTC),
    )
    sources = [
        {"order": 0, "title": "Ministry statement", "url": "https://example.org/ms"},
        {"order": 1, "title": "UN briefing", "publisher": "UN"},
    ]
    other = make_article(title="ISKP’s resurgence", summary="Recruitment has intensified.")
    link(article, other)
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime(2024, 3, 7, 12, 0, tzinfo=UTC)
    ):
        save(
            article,
            body="<p>Tensions remain high this week.</p>",
            inlines={"sources": sources},
            correction="An earlier version misstated the date of the meeting.",
        )
    response = client.get("/articles/road/")
    assert response.status_code == 200
    html = response.content.decode()
    assert settings.SITE_NAME in html
    assert "<h1>The road to stability</h1>" in html
    assert "What comes after the ceasefire" in html
    assert f'<a href="{author_a.get_absolute_url()}">Samira Aliyeva</a>' in html
    assert f'<a href="{author_b.get_absolute_url()}">Tom Berg</a>' in html
    assert "5 March 2024" in html
    assert "1 min read" in html
    assert f'<a href="{topic.get_absolute_url()}">Energy</a>' in html
    assert 'alt="Leaders shaking hands"' in html
    assert "The signing ceremony." in html
    assert 'Image source: <a href="https://president.az/">president.az (2019)</a>' in html
    assert "Tensions remain high this week." in html
    assert re.search(r'<li id="source-1"><a href="https://example.org/ms">Ministry statement', html)
    assert '<li id="source-2">UN briefing, UN.' in html
    assert "Related Articles" in html
    assert "ISKP’s resurgence" in html and "Recruitment has intensified." in html
    assert "Updated" in html and "7 March 2024" in html
    assert "An earlier version misstated the date of the meeting." in html
    assert "Cite this article" in html
    assert "Aliyeva, Samira, and Tom Berg. “The road to stability.”" in html
    assert "Aliyeva, S., &amp; Berg, T. (2024, March 5)." in html
    for fmt in ("bib", "ris", "json"):
        assert f'href="/articles/road/cite.{fmt}"' in html
    assert count_h1(response) == 1


def test_article_page_shows_the_update_date_when_updated_later(client):
    article = make_article(slug="upd", published_at=datetime(2024, 1, 2, tzinfo=UTC))
    html = client.get("/articles/upd/").content.decode()
    assert "Published" in html and "2 January 2024" in html
    assert (
        f'Updated <time datetime="{timezone.localtime(article.updated_at).replace(microsecond=0).isoformat()}">'
        in html
    )


def test_credit_without_url_is_plain_text(client):
    make_article(slug="plain", hero_image=make_image(credit="Agency photo", credit_url=""))
    html = client.get("/articles/plain/").content.decode()
    assert "Image source: Agency photo" in html


@pytest.mark.parametrize("n", [1, 10])
def test_article_page_runs_at_most_ten_queries(client, django_assert_max_num_queries, n):
    rich_article(n)
    # Documents, "More from" the authors and the published translations: one each.
    with django_assert_max_num_queries(10):
        response = client.get("/articles/rich/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<li id="source-') == n
    assert "Linked piece 0" in html


def test_unpublished_articles_are_404(client):
    for article in hidden_articles():
        assert client.get(article.get_absolute_url()).status_code == 404


def test_related_block_never_shows_unpublished_articles(client):
    article = make_article(slug="with-links")
    for order, hidden in enumerate(hidden_articles()):
        link(article, hidden, order=order)
    response = client.get("/articles/with-links/")
    assert_none_hidden(response)


def test_previous_slug_redirects_permanently(client):
    article = make_article(slug="old-address")
    edit(article, slug="new-address")
    response = client.get("/articles/old-address/?utm=x")
    assert response.status_code == 301
    assert response["Location"] == "/articles/new-address/?utm=x"


def test_previous_slug_of_a_draft_is_404(client):
    draft = make_draft(slug="draft-before")
    edit(draft, slug="draft-now")
    assert LegacyPath.objects.filter(path="/articles/draft-before/", article=draft).exists()
    assert client.get("/articles/draft-before/").status_code == 404


def test_article_page_keeps_the_content_security_policy(client):
    make_article(slug="csp")
    response = client.get("/articles/csp/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    # Data, and the site's own "copy link" script from 'self': nothing inline runs.
    assert scripts == [' type="application/ld+json"', ' src="/static/js/share.js" defer']


# Authors


def test_author_index_lists_authors_with_published_articles_and_counts(client):
    busy = make_author(name="Busy Writer")
    make_article(authors=[busy])
    make_article(authors=[busy])
    quiet = make_author(name="Quiet Writer")
    hidden_articles(authors=[quiet])
    html = client.get("/authors/").content.decode()
    assert "Busy Writer" in html and "2 articles" in html
    assert "Quiet Writer" not in html


@pytest.mark.parametrize("count", [1, 20])
def test_author_index_runs_constant_queries(client, django_assert_max_num_queries, count):
    for _ in range(count):
        make_article(authors=[make_author(photo=make_image())])
    with django_assert_max_num_queries(4):
        assert client.get("/authors/").status_code == 200


def test_author_page_shows_bio_photo_links_and_only_published_articles(client):
    author = make_author(
        name="Tamar Beridze",
        bio="Follows peace talks.",
        photo=make_image(alt_text="Portrait of Tamar Beridze"),
        links="https://example.org/tamar",
        slug="tamar",
    )
    make_article(title="Border commissions", authors=[author])
    hidden_articles(authors=[author])
    response = client.get("/authors/tamar/")
    html = response.content.decode()
    assert "<h1>Tamar Beridze</h1>" in html
    assert "Follows peace talks." in html
    assert 'alt="Portrait of Tamar Beridze"' in html
    assert "https://example.org/tamar" in html
    assert "Border commissions" in html
    assert_none_hidden(response)
    assert count_h1(response) == 1


def test_author_page_paginates(client):
    author = make_author(slug="prolific")
    for i in range(13):
        make_article(
            title=f"Piece {i:02d}",
            authors=[author],
            published_at=timezone.now() - timedelta(hours=i),
        )
    assert "Piece 12" not in client.get("/authors/prolific/").content.decode()
    assert "Piece 12" in client.get("/authors/prolific/?page=2").content.decode()


@pytest.mark.parametrize("count", [1, 20])
def test_author_page_runs_constant_queries(client, django_assert_max_num_queries, count):
    author = make_author(slug="counted", photo=make_image())
    for _ in range(count):
        make_article(
            authors=[author, make_author()], topics=[make_topic()], hero_image=make_image()
        )
    with django_assert_max_num_queries(6):
        assert client.get("/authors/counted/").status_code == 200


def test_unknown_author_is_404(client):
    assert client.get("/authors/nobody/").status_code == 404


# Topics


def test_topic_index_groups_topics_with_published_articles(client):
    energy = make_topic(name="Energy")
    region = make_topic(name="South Caucasus", kind="region")
    empty = make_topic(name="Empty topic")
    make_article(topics=[energy, region])
    hidden_articles(topics=[empty])
    html = client.get("/topics/").content.decode()
    assert "Energy" in html and "South Caucasus" in html
    assert "Regions" in html or "Region" in html
    assert "Empty topic" not in html


@pytest.mark.parametrize("count", [1, 20])
def test_topic_index_runs_constant_queries(client, django_assert_max_num_queries, count):
    for _ in range(count):
        make_article(topics=[make_topic()])
    with django_assert_max_num_queries(3):
        assert client.get("/topics/").status_code == 200


def test_topic_page_lists_only_its_published_articles(client):
    topic = make_topic(name="Water", slug="water", description="Rivers and dams.")
    make_article(title="Amu Darya sharing", topics=[topic])
    make_article(title="Unrelated piece")
    hidden_articles(topics=[topic])
    response = client.get("/topics/water/")
    html = response.content.decode()
    assert "<h1>Water</h1>" in html and "Rivers and dams." in html
    assert "Amu Darya sharing" in html
    assert "Unrelated piece" not in html
    assert_none_hidden(response)


@pytest.mark.parametrize("count", [1, 20])
def test_topic_page_runs_constant_queries(client, django_assert_max_num_queries, count):
    topic = make_topic(slug="counted")
    for _ in range(count):
        make_article(topics=[topic, make_topic()], authors=[make_author()], hero_image=make_image())
    with django_assert_max_num_queries(6):
        assert client.get("/topics/counted/").status_code == 200


# The archive


def test_archive_filters_by_type_and_year(client):
    make_article(
        title="Report 2023", article_type="report", published_at=datetime(2023, 5, 1, tzinfo=UTC)
    )
    make_article(
        title="Report 2024", article_type="report", published_at=datetime(2024, 5, 1, tzinfo=UTC)
    )
    make_article(
        title="Analysis 2024",
        article_type="analysis",
        published_at=datetime(2024, 6, 1, tzinfo=UTC),
    )
    html = client.get("/articles/?type=report&year=2024").content.decode()
    assert "Report 2024" in html
    assert "Report 2023" not in html and "Analysis 2024" not in html
    assert '<option value="2023">2023</option>' in html
    assert '<option value="report" selected>Report</option>' in html


def test_archive_ignores_invalid_filters(client):
    make_article(title="Any piece")
    response = client.get("/articles/?type=bogus&year=abc")
    assert response.status_code == 200
    assert "Any piece" in response.content.decode()


def test_archive_never_lists_unpublished_and_pagination_keeps_filters(client):
    hidden_articles(article_type="report")
    for i in range(13):
        make_article(article_type="report", published_at=timezone.now() - timedelta(hours=i))
    response = client.get("/articles/?type=report")
    assert_none_hidden(response)
    assert 'href="?type=report&amp;page=2"' in response.content.decode()


@pytest.mark.parametrize("count", [1, 20])
def test_archive_runs_constant_queries(client, django_assert_max_num_queries, count):
    for i in range(count):
        make_article(
            authors=[make_author()],
            topics=[make_topic()],
            published_at=datetime(2000 + i, 1, 2, tzinfo=UTC),
        )
    with django_assert_max_num_queries(6):
        assert client.get("/articles/?type=analysis").status_code == 200


# Search


def test_search_page_shows_ranked_results_with_highlighted_snippets(client):
    make_article(title="Ports of the Caspian", summary="Ports grow as trade grows.")
    make_article(title="Other", summary="Nothing here.", body="<p>A note on ports.</p>")
    response = client.get("/search/?q=ports")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Ports of the Caspian") < html.index(">Other<")
    assert "<mark>" in html
    assert "2 articles found" in html


@pytest.mark.parametrize("query", ["", "   ", "!!!", '"', "the", "zzzzqqqq", "a" * 1000])
def test_empty_and_nonsense_searches_get_a_friendly_page(client, query):
    make_article(title="Something")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "No articles match" in html or "Type a few words" in html or "too long" in html


def test_search_never_finds_unpublished_articles(client):
    hidden_articles()
    make_article(title="Visible zephyr")
    response = client.get("/search/?q=zephyr")
    assert "Visible zephyr" in response.content.decode()
    assert_none_hidden(response)


def test_search_escapes_the_query(client):
    html = client.get("/search/", {"q": "<script>x</script>"}).content.decode()
    assert "<script>x" not in html
    assert "&lt;script&gt;x" in html


@pytest.mark.parametrize("count", [1, 20])
def test_search_runs_constant_queries(client, django_assert_max_num_queries, count):
    for _ in range(count):
        make_article(title="Grain corridor", authors=[make_author()], topics=[make_topic()])
    with django_assert_max_num_queries(7):  # two of them list the topic and author filters
        assert client.get("/search/?q=grain").status_code == 200


# Shared furniture, errors, robots


@pytest.mark.parametrize("path", ["/", "/articles/", "/authors/", "/topics/", "/search/?q=x"])
def test_every_page_has_one_h1_landmarks_and_a_labelled_search_form(client, path):
    make_article(authors=[make_author()], topics=[make_topic()])
    response = client.get(path)
    html = response.content.decode()
    assert count_h1(response) == 1
    for landmark in ("<header", "<main", "<footer", '<nav aria-label="Main"'):
        assert landmark in html
    assert '<label for="site-search-q">Search articles</label>' in html
    assert '<form class="search-form" role="search"' in html


def test_404_page_is_in_the_site_design(client, settings):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert settings.SITE_NAME in html and "Page not found" in html
    assert 'role="search"' in html


def test_500_page_is_in_the_site_design(settings):
    settings.DEBUG = False
    from django.urls import path as url_path

    import cpc_site.urls

    def broken(request):
        raise RuntimeError("boom")

    cpc_site.urls.urlpatterns.append(url_path("__boom__/", broken))
    try:
        from django.urls import clear_url_caches

        clear_url_caches()
        response = Client(raise_request_exception=False).get("/__boom__/")
    finally:
        cpc_site.urls.urlpatterns.pop()
        clear_url_caches()
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and settings.SITE_NAME in html
    assert "site.css" in html


def test_robots_txt_points_to_sitemaps_and_keeps_crawlers_out_of_admin(client, settings):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Disallow: /admin/" in text
    assert "Disallow: /preview/" in text
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in text
    assert f"Sitemap: {settings.SITE_URL}/sitemap-images.xml" in text


def test_preview_shows_a_draft_to_its_editor_only(client, publisher):
    draft = make_draft(title="Work in progress")
    assert client.get(f"/preview/{draft.pk}/").status_code == 302
    client.force_login(publisher)
    response = client.get(f"/preview/{draft.pk}/")
    assert response.status_code == 200
    assert "Work in progress" in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_dates_in_datetime_attributes_have_whole_seconds(client):
    make_article(slug="dated", published_at=datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC))
    html = client.get("/articles/dated/").content.decode()
    assert 'datetime="2024-01-02T03:04:05+00:00"' in html
    assert ".678901" not in html


def test_source_dates_render(client):
    article = make_article(slug="src")
    source = {
        "title": "Report",
        "publisher": "World Bank",
        "published_on": date(2023, 4, 1),
        "accessed_on": date(2024, 2, 3),
    }
    save(article, inlines={"sources": [source]})
    html = client.get("/articles/src/").content.decode()
    assert "Report, World Bank, 1 April 2023. Accessed 3 February 2024." in html
