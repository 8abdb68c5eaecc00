"""The whole-response cache: anonymous readers get cached pages that are never stale."""

import gzip
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article
from articles.revisions import system_user
from cpc_site.caching import invalidate_content
from tests.admin_forms import admin_form_data
from tests.factories import (
    change,
    edit,
    link,
    make_article,
    make_author,
    make_draft,
    make_image,
    make_topic,
    make_user,
)

# Caches are retired after the commit of a change: these tests commit, as production does.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def response_cache_on(response_cache_off, settings):
    settings.RESPONSE_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600
    settings.CACHE_CONTROL_MAX_AGE = 30
    settings.CACHE_CONTROL_S_MAXAGE = 60


def warm(client, url, **headers):
    """Request `url` until it is served from the cache (no SQL), and return that response."""
    first = client.get(url, **headers)
    assert first.status_code == 200, (url, first.status_code)
    return client.get(url, **headers)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def public_urls(article):
    """Every public address that shows the article's title."""
    return [
        article.get_absolute_url(),
        reverse("articles:home"),
        reverse("articles:feed"),
        reverse("articles:atom-feed"),
        reverse("api:article-list"),
        reverse("api:article-detail", args=[article.slug]),
    ]


def test_second_anonymous_request_is_served_from_the_cache_without_sql(
    client, django_assert_num_queries
):
    article = make_article(title="Pipelines and ports")
    client.get(article.get_absolute_url())

    with django_assert_num_queries(0):
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Pipelines and ports" in response.content.decode()


def test_cached_responses_carry_cdn_headers(client):
    article = make_article()

    for response in (client.get(article.get_absolute_url()), warm(client, "/")):
        cache_control = response["Cache-Control"]
        assert "public" in cache_control
        assert "max-age=30" in cache_control
        assert "s-maxage=60" in cache_control
        assert {"Cookie", "Authorization"} <= {v.strip() for v in response["Vary"].split(",")}
        assert response.has_header("ETag")
        assert response.has_header("Last-Modified")


def test_a_cached_hit_answers_a_conditional_get_with_304(client, django_assert_num_queries):
    article = make_article()
    etag = warm(client, article.get_absolute_url())["ETag"]

    with django_assert_num_queries(0):
        response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert not response.content


def test_a_miss_answers_a_conditional_get_with_304_and_is_still_cached(
    client, django_assert_num_queries
):
    article = make_article()
    etag = client.get(article.get_absolute_url())["ETag"]
    invalidate_content()

    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    with django_assert_num_queries(0):
        assert client.get(article.get_absolute_url()).status_code == 200


def test_an_admin_edit_is_visible_on_the_next_request_everywhere(client, admin_client):
    article = make_article(
        title="Caspian tariffs announced", slug="tariffs-announced", authors=[make_author()]
    )
    sitemap = reverse("articles:sitemap-section", args=["articles"])
    old_urls = public_urls(article)
    for url in old_urls:
        assert "Caspian tariffs announced" in warm(client, url).content.decode()
    assert "/articles/tariffs-announced/" in warm(client, sitemap).content.decode()
    assert "Caspian tariffs announced" in warm(client, "/search/?q=tariffs").content.decode()

    data = admin_form_data(
        admin_client,
        change_url(article),
        title="Caspian tariffs withdrawn",
        slug="tariffs-withdrawn",
        _publish="Save and publish now",
    )
    response = admin_client.post(change_url(article), data)
    assert response.status_code == 302

    article.refresh_from_db()
    for url in public_urls(article):
        body = client.get(url).content.decode()
        assert "Caspian tariffs withdrawn" in body, url
        assert "Caspian tariffs announced" not in body, url
    sitemap_body = client.get(sitemap).content.decode()
    assert "/articles/tariffs-withdrawn/" in sitemap_body
    assert "/articles/tariffs-announced/" not in sitemap_body
    search_body = client.get("/search/?q=tariffs").content.decode()
    assert "Caspian tariffs withdrawn" in search_body
    assert "Caspian tariffs announced" not in search_body
    # The old addresses were cached as 200s; now they redirect or are gone.
    assert client.get("/articles/tariffs-announced/").status_code == 301
    assert client.get(reverse("api:article-detail", args=["tariffs-announced"])).status_code == 404


def test_a_new_author_name_reaches_the_cached_article_page(client):
    author = make_author(name="Leyla Mammadova")
    article = make_article(authors=[author])
    assert "Leyla Mammadova" in warm(client, article.get_absolute_url()).content.decode()

    change(author, name="Leyla Mammadova-Aliyeva")

    assert "Leyla Mammadova-Aliyeva" in client.get(article.get_absolute_url()).content.decode()


def test_a_scheduled_article_appears_on_time_with_a_warm_cache(client):
    now = timezone.now()
    make_article(title="Already out")
    scheduled = make_article(title="Goes live soon", published_at=now + timedelta(seconds=90))
    home = reverse("articles:home")
    page = scheduled.get_absolute_url()

    lists = [home, reverse("articles:feed"), reverse("api:article-list")]
    for url in lists:
        assert "Goes live soon" not in warm(client, url).content.decode()
    assert client.get(page).status_code == 404

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(seconds=91)):
        for url in lists:
            assert "Goes live soon" in client.get(url).content.decode(), url
        assert client.get(page).status_code == 200


def test_cache_headers_never_outlive_the_next_scheduled_publication(client):
    now = timezone.now()
    make_article(title="Already out")
    make_article(title="In twenty seconds", published_at=now + timedelta(seconds=20))

    with mock.patch("django.utils.timezone.now", return_value=now):
        response = client.get(reverse("articles:home"))

    assert "max-age=20" in response["Cache-Control"]
    assert "s-maxage=20" in response["Cache-Control"]


def test_an_unpublished_article_is_never_served_from_the_cache(client, admin_client):
    article = make_article(title="Withdrawn analysis")
    warm(client, article.get_absolute_url())
    warm(client, reverse("articles:home"))

    admin_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish", "_selected_action": [article.pk]},
    )

    assert Article.objects.get(pk=article.pk).status != Article.Status.PUBLISHED
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Withdrawn analysis" not in client.get(reverse("articles:home")).content.decode()


def test_a_previewed_draft_is_never_cached_or_shown_to_the_public(client, admin_client):
    draft = make_draft(title="Secret draft")
    preview = reverse("articles:article-preview", args=[draft.pk])

    response = admin_client.get(preview)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]

    assert client.get(preview).status_code == 302  # to the login page
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "Secret draft" not in client.get(reverse("articles:home")).content.decode()


def test_admin_pages_are_private_and_never_stored(admin_client):
    response = admin_client.get(reverse("admin:articles_article_changelist"))
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_logged_in_editors_always_get_fresh_uncached_pages(client, editor):
    article = make_article(title="Original title")
    warm(client, article.get_absolute_url())
    # A write no signal sees (as a raw SQL migration would): the public copy stays cached...
    Article.objects.filter(pk=article.pk).update(title="Corrected title")
    assert "Original title" in client.get(article.get_absolute_url()).content.decode()

    editor_client = Client()
    editor_client.force_login(editor)
    response = editor_client.get(article.get_absolute_url())

    # ...but an editor always gets the page rendered from the database, marked private.
    assert "Corrected title" in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_api_key_requests_are_not_served_from_the_shared_cache(client):
    article = make_article(title="Original title")
    warm(client, article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(title="Key holders see this")

    response = client.get(article.get_absolute_url(), HTTP_AUTHORIZATION="Api-Key abc.def")

    assert "Key holders see this" in response.content.decode()
    assert "private" in response["Cache-Control"]


def test_bulk_writes_retire_cached_pages_through_invalidate_content(client):
    article = make_article(title="Before the import")
    warm(client, article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(title="After the import")

    invalidate_content()

    assert "After the import" in client.get(article.get_absolute_url()).content.decode()


def test_the_cache_is_off_when_no_lifetime_is_configured(client, settings):
    settings.RESPONSE_CACHE_SECONDS = 0
    article = make_article(title="Uncached")
    client.get(article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(title="Straight from the database")

    assert "Straight from the database" in client.get(article.get_absolute_url()).content.decode()


@pytest.fixture
def fragments_only(settings):
    """The whole-page cache off, fragment caches on (the benchmark's "cold" configuration)."""
    settings.RESPONSE_CACHE_SECONDS = 0


def test_a_cached_article_fragment_leaves_one_query_per_page(
    client, fragments_only, django_assert_max_num_queries, django_assert_num_queries
):
    article = make_article(authors=[make_author(), make_author()], sources=3)
    link(article, make_article())
    # Documents, "More from" the authors, the published translations (hreflang): one each.
    with django_assert_max_num_queries(11):
        first = client.get(article.get_absolute_url())

    with django_assert_num_queries(1):
        second = client.get(article.get_absolute_url())

    assert second.content == first.content


def test_cached_fragments_follow_edits_and_scheduled_publication(client, fragments_only):
    now = timezone.now()
    author = make_author(name="Nargiz Hasanli")
    article = make_article(authors=[author])
    later = make_article(title="Linked and scheduled", published_at=now + timedelta(seconds=60))
    link(article, later)
    first = warm(client, article.get_absolute_url()).content.decode()
    assert "Linked and scheduled" not in first

    change(author, name="Nargiz Hasanli-Guliyeva")
    assert "Nargiz Hasanli-Guliyeva" in client.get(article.get_absolute_url()).content.decode()

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(seconds=61)):
        body = client.get(article.get_absolute_url()).content.decode()
    assert "Linked and scheduled" in body


def test_editors_never_get_cached_fragments(client, editor, fragments_only):
    article = make_article(title="Original title")
    warm(client, article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(title="Corrected title")
    client.force_login(editor)

    assert "Corrected title" in client.get(article.get_absolute_url()).content.decode()


def test_compressed_and_plain_answers_are_cached_apart(client, django_assert_num_queries):
    make_article(title="Pipelines and ports")
    url = reverse("api:article-list")
    plain = warm(client, url)
    compressed = warm(client, url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    with django_assert_num_queries(0):
        hit = client.get(url, HTTP_ACCEPT_ENCODING="br, gzip")
        plain_hit = client.get(url)

    assert compressed["Content-Encoding"] == hit["Content-Encoding"] == "gzip"
    assert gzip.decompress(hit.content) == plain.content == plain_hit.content
    assert not plain_hit.has_header("Content-Encoding")
    assert "Accept-Encoding" in hit["Vary"]


def test_cached_pages_keep_their_content_security_policy(client, django_assert_num_queries):
    article = make_article()
    first = warm(client, article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")

    with django_assert_num_queries(0):
        hit = client.get(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")

    assert "script-src 'self'" in hit["Content-Security-Policy"]
    assert hit["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_cached_article_cards_follow_an_author_rename_on_every_list(client, fragments_only):
    author = make_author(name="Leyla Mammadova")
    make_article(title="Grain corridors", authors=[author])
    lists = ["/", "/articles/", author.get_absolute_url(), "/search/?q=grain"]
    for url in lists:
        assert "Leyla Mammadova" in warm(client, url).content.decode()

    change(author, name="Leyla Mammadova-Aliyeva")

    for url in lists:
        assert "Leyla Mammadova-Aliyeva" in client.get(url).content.decode(), url


def loads_bylines(query):
    return query["sql"].startswith('SELECT "articles_articleauthor"')


def test_cached_cards_are_read_in_one_round_trip_for_a_whole_page(
    client, fragments_only, django_assert_max_num_queries
):
    for n in range(12):
        make_article(
            authors=[make_author(), make_author()], hero_image=make_image() if n % 2 else None
        )
    cache_calls = []
    real_get_many = caches["default"].get_many

    def counting_get_many(keys, *args, **kwargs):
        cache_calls.append(keys)
        return real_get_many(keys, *args, **kwargs)

    first = client.get("/articles/")
    with mock.patch.object(caches["default"], "get_many", counting_get_many):
        with django_assert_max_num_queries(4) as queries:
            second = client.get("/articles/")

    assert second.content == first.content
    card_reads = [keys for keys in cache_calls if any("card-" in key for key in keys)]
    assert len(card_reads) == 1
    # The pictures and bylines came from the cache: no image or author was loaded for them.
    assert not [q for q in queries.captured_queries if loads_bylines(q)]
    assert '"articles_image"' not in " ".join(q["sql"] for q in queries.captured_queries)


def test_missing_card_fragments_load_the_pictures_and_bylines_of_the_page(client, fragments_only):
    authors = [make_author(name="Rashad Karimov"), make_author(name="Aida Nuriyeva")]
    make_article(title="Port capacity", authors=authors, hero_image=make_image())
    warm(client, "/search/?q=port")
    caches["default"].clear()

    with CaptureQueriesContext(connection) as queries:
        body = client.get("/search/?q=port").content.decode()

    assert "Rashad Karimov" in body and "Aida Nuriyeva" in body
    assert "<picture>" in body and "A harbour crane at dusk" in body
    assert len([q for q in queries.captured_queries if loads_bylines(q)]) == 1


def test_cached_api_list_items_leave_one_query_and_load_no_images(
    client, fragments_only, django_assert_num_queries, django_assert_max_num_queries
):
    for _ in range(3):
        make_article(authors=[make_author()], hero_image=make_image())
    url = "/api/v1/articles/?page_size=20"
    # All misses: count, page, images, authors, topics, published translations.
    with django_assert_max_num_queries(7):
        first = client.get(url)

    with django_assert_num_queries(1) as queries:  # the page (its count is cached too)
        second = client.get(url)

    assert second.json() == first.json()
    assert all(item["hero_image"]["url"] for item in second.json()["results"])
    assert not [q for q in queries.captured_queries if "articles_image" in q["sql"]]


def counts(queries):
    return [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]


@pytest.mark.parametrize(
    "url", ["/", "/articles/?type=analysis", "/api/v1/articles/?page_size=5&type=analysis"]
)
def test_a_list_counts_its_articles_once_per_content_change(client, fragments_only, url):
    make_article(title="First count")
    assert client.get(url).status_code == 200

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not counts(queries)

    make_article(title="Second count")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert len(counts(queries)) == 1
    if url.startswith("/api/"):
        assert response.json()["count"] == 2
    else:
        assert "Second count" in response.content.decode()


def test_a_cached_count_follows_a_scheduled_publication(client, fragments_only):
    now = timezone.now()
    for n in range(3):
        make_article(title=f"Live {n}")
    make_article(title="Scheduled", published_at=now + timedelta(seconds=60))
    url = "/api/v1/articles/?page_size=2"
    assert warm(client, url).json()["count"] == 3

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(seconds=61)):
        response = client.get(url)
        last_page = client.get(url + "&page=2")

    assert response.json()["count"] == 4
    assert last_page.status_code == 200 and len(last_page.json()["results"]) == 2


def test_filters_are_counted_apart(client, fragments_only):
    make_article(title="An analysis", article_type="analysis")
    make_article(title="A commentary", article_type="commentary")
    api = "/api/v1/articles/"
    assert client.get(api).json()["count"] == 2
    assert client.get(api + "?type=analysis").json()["count"] == 1
    assert client.get(api + "?type=commentary&page_size=1").json()["count"] == 1
    assert client.get(api).json()["count"] == 2


def test_x_cache_says_whether_the_response_cache_answered(client):
    """The header the benchmark counts: a hit after a warm request, a miss after a change
    readers see, still a hit after an autosave (which readers cannot see)."""
    article = make_article(title="Grain corridors")
    draft = make_draft(title="Not yet")
    url = article.get_absolute_url()
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"

    publisher = make_user(role="Publisher")
    services.autosave(article=draft, user=publisher, data={"title": "Typing…"})
    services.autosave(article=article, user=publisher, data={"title": "Typing on a live one…"})
    assert client.get(url)["X-Cache"] == "hit"

    edit(article, user=publisher, title="Grain corridors, revised")
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "Grain corridors, revised" in response.content.decode()
    assert client.get(url)["X-Cache"] == "hit"


def test_x_cache_is_absent_where_the_response_cache_does_not_answer(client, editor):
    article = make_article()
    client.force_login(editor)
    assert not client.get(article.get_absolute_url()).has_header("X-Cache")


def test_the_search_pages_topic_choices_follow_content(client, fragments_only):
    oil = make_topic(name='Oil & "Gas" <b>', slug="oil")
    article = make_article(title="Pipeline news", topics=[oil])
    page = client.get("/search/?q=pipeline&topic=oil").content.decode()
    assert '<option value="oil" selected>Oil &amp; &quot;Gas&quot; &lt;b&gt;</option>' in page

    oil.name = "Oil and gas"
    services.save_topic(topic=oil, user=system_user())
    assert '<option value="oil">Oil and gas</option>' in client.get("/search/").content.decode()

    services.unpublish_article(article=article, user=system_user())
    assert 'value="oil"' not in client.get("/search/").content.decode()  # no published article
    later = make_article(
        title="Scheduled", topics=[oil], published_at=timezone.now() + timedelta(seconds=60)
    )
    assert 'value="oil"' not in client.get("/search/").content.decode()
    with mock.patch("django.utils.timezone.now", return_value=later.published_at):
        assert 'value="oil"' in client.get("/search/").content.decode()
