"""Stored renderings (articles.prerender): what a live article shows, rendered by the worker
after each change readers see, served only while it is current."""

import zlib

import pytest
from django.core.management import call_command
from django.test import override_settings

from articles import prerender, services
from articles.models import ArticleRendering
from articles.revisions import system_user
from tests.factories import change, edit, link, make_article, make_author, make_image, make_topic

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs jobs in its own transactions


@pytest.fixture(autouse=True)
def site_address(settings):
    settings.PRERENDERED_ARTICLES = True
    settings.SITE_URL = "http://testserver"  # the test client's address


@pytest.fixture
def article(run_tasks):
    author = make_author(name="Leyla Mammadova")
    other = make_article(title="Ports of the Caspian", authors=[author])
    article = make_article(
        title="Caspian pipeline politics",
        authors=[author],
        topics=[make_topic(name="Energy")],
        hero_image=make_image(credit="president.az"),
    )
    link(article, other)
    run_tasks()
    article.refresh_from_db()
    return article


def fresh(client, url):
    with override_settings(PRERENDERED_ARTICLES=False):
        return client.get(url).content


def test_the_worker_stores_a_current_rendering_after_publication(article):
    rendering = ArticleRendering.objects.get(article=article)
    assert rendering.built_for == prerender.rendering_key(article)
    # The whole page, author boxes included, with a slot for the author's "More from" list
    # (filled for every request).
    page = rendering.page
    assert "Caspian pipeline politics" in page and "Ports of the Caspian" in page  # related
    assert "Leyla Mammadova" in page and "rendered per request" not in page
    author = article.ordered_authors[0]
    assert page.count("<!--more from: ") == 1 and f"<!--more from: {author.pk}-->" in page


@pytest.mark.parametrize(
    "url", ["/articles/caspian-pipeline-politics/", "/api/v1/articles/caspian-pipeline-politics/"]
)
def test_the_page_and_api_detail_served_from_it_equal_a_fresh_render(client, article, url):
    served = client.get(url).content
    assert served == fresh(client, url)


def test_the_api_list_served_from_it_equals_a_fresh_render(client, article):
    for url in ["/api/v1/articles/", "/api/v1/articles/?fields=title&fields=authors,url"]:
        assert client.get(url).content == fresh(client, url)


GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def inflate(body):
    """A gzip body as a browser reads it: one member, nothing after it."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = inflater.decompress(body)
    assert inflater.eof and not inflater.unused_data
    return data


def test_gzip_clients_get_the_stored_page_compressed_with_its_lists_filled(client, article):
    url = article.get_absolute_url()
    compressed = client.get(url, **GZIP)
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    page = inflate(compressed.content)
    assert page == client.get(url).content == fresh(client, url)
    assert b"More from Leyla Mammadova" in page and b"<!--more from" not in page
    # Validators work as for any response.
    again = client.get(url, HTTP_IF_NONE_MATCH=compressed["ETag"], **GZIP)
    assert again.status_code == 304


def test_the_stored_compressed_page_is_what_gzip_clients_get(client, article):
    rendering = ArticleRendering.objects.get(article=article)
    rendering.page = rendering.page.replace("pipeline", "STORED")
    pieces = prerender.deflated_pieces(rendering.page)
    rendering.page_deflated = b"".join(pieces)
    rendering.page_deflated_sizes = [len(piece) for piece in pieces]
    rendering.save()
    page = inflate(client.get(article.get_absolute_url(), **GZIP).content)
    assert b"Caspian STORED politics" in page and b"More from Leyla Mammadova" in page


def test_a_rendering_without_compressed_pieces_is_compressed_per_response(client, article):
    ArticleRendering.objects.filter(article=article).update(
        page_deflated=b"", page_deflated_sizes=[]
    )
    url = article.get_absolute_url()
    compressed = client.get(url, **GZIP)
    assert compressed["Content-Encoding"] == "gzip"
    assert inflate(compressed.content) == fresh(client, url)


def test_a_current_rendering_is_what_readers_get(client, article):
    rendering = ArticleRendering.objects.get(article=article)
    rendering.page = rendering.page.replace("pipeline", "STORED")
    rendering.api_detail = rendering.api_detail.replace("pipeline", "STORED")
    rendering.save()

    assert b"Caspian STORED politics" in client.get(article.get_absolute_url()).content
    detail = client.get(f"/api/v1/articles/{article.slug}/").json()
    assert detail["title"] == "Caspian STORED politics"


def test_stored_renderings_cost_two_queries_a_page_one_a_detail_two_a_list(
    client, article, django_assert_max_num_queries
):
    # The article with its rendering, "More from".
    with django_assert_max_num_queries(2):
        assert client.get(article.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(f"/api/v1/articles/{article.slug}/").status_code == 200
    # The count, the page of items (key fields and stored JSON only).
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/articles/").status_code == 200


def test_the_author_boxes_show_the_newest_articles_with_a_stored_page(client, article):
    url = article.get_absolute_url()
    assert b"More from Leyla Mammadova" in client.get(url).content
    # Another article by the same author: this article's own output did not change.
    make_article(title="Caspian gas to Europe", authors=article.ordered_authors)
    article.refresh_from_db()
    rendering = ArticleRendering.objects.get(article=article)
    assert rendering.built_for == prerender.rendering_key(article)  # still served

    page = client.get(url).content
    assert b"Caspian gas to Europe" in page
    assert page == fresh(client, url)


def test_a_rendering_is_never_served_after_a_change_before_the_worker_ran(client, article):
    edit(article, title="Caspian pipeline politics, revised")

    page = client.get(article.get_absolute_url()).content
    assert b"Caspian pipeline politics, revised" in page
    assert page == fresh(client, article.get_absolute_url())
    detail = client.get(f"/api/v1/articles/{article.slug}/").json()
    assert detail["title"] == "Caspian pipeline politics, revised"


@pytest.mark.parametrize(
    "make_change",
    [
        lambda a: change(a.ordered_authors[0], name="Leyla Mammadova-Aliyeva"),
        lambda a: change(a.hero_image, credit="Official photo (2020)"),
        lambda a: change(a.topic_list[0], name="Energy security"),
    ],
    ids=["author", "image", "topic"],
)
def test_a_change_to_what_it_shows_retires_it_and_the_worker_renders_it_again(
    client, article, run_tasks, make_change
):
    url = article.get_absolute_url()
    make_change(article)
    assert client.get(url).content == fresh(client, url)
    run_tasks()
    article.refresh_from_db()
    assert ArticleRendering.objects.get(article=article).built_for == prerender.rendering_key(
        article
    )
    assert client.get(url).content == fresh(client, url)


def test_other_addresses_and_other_code_get_a_fresh_render(client, article, monkeypatch):
    marked = ArticleRendering.objects.get(article=article)
    marked.page += "<p>STORED</p>"
    marked.save()
    url = article.get_absolute_url()
    assert b"STORED" in client.get(url).content

    assert b"STORED" not in client.get(url, HTTP_HOST="mirror.example.org").content
    monkeypatch.setattr(prerender, "_files_digest", lambda: "templates changed")
    assert b"STORED" not in client.get(url).content


def test_unpublishing_drops_it(article, run_tasks):
    services.unpublish_article(article=article, user=system_user())
    run_tasks()
    assert not ArticleRendering.objects.filter(article=article).exists()


def test_the_command_renders_what_is_missing_or_out_of_date(article, monkeypatch):
    ArticleRendering.objects.all().delete()
    call_command("prerender_articles")
    assert ArticleRendering.objects.count() == 2
    monkeypatch.setattr(prerender, "_files_digest", lambda: "templates changed")
    call_command("prerender_articles")
    article.refresh_from_db()
    assert ArticleRendering.objects.get(article=article).built_for == prerender.rendering_key(
        article
    )
