"""Unpublished content never reaches the public, with the response and fragment caches warm.

Drafts, articles in review, scheduled and archived articles answer 404 everywhere public; only
an embargo-scoped API key sees scheduled articles (marked `embargoed_until`).
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from articles import services
from articles.models import Article
from tests.api.conftest import auth, make_key
from tests.factories import (
    delete,
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

SECRET_TITLE = "Quarantined zebra analysis"


@pytest.fixture(params=["page-cache", "fragments-only", "no-cache"])
def caches_on(request, response_cache_off, settings):
    """Every scenario runs with both caches on, with fragments only, and with none."""
    settings.RESPONSE_CACHE_SECONDS = 600 if request.param == "page-cache" else 0
    settings.FRAGMENT_CACHE_SECONDS = 0 if request.param == "no-cache" else 600
    return request.param


def public_lists(article):
    """Every public address that lists or links the article (not its own page)."""
    topic = article.topic_list[0]
    author = article.ordered_authors[0]
    return [
        reverse("articles:home"),
        reverse("articles:article-list"),
        topic.get_absolute_url(),
        author.get_absolute_url(),
        reverse("articles:feed"),
        reverse("articles:atom-feed"),
        reverse("articles:topic-feed", args=[topic.slug]),
        reverse("articles:author-feed", args=[author.slug]),
        reverse("articles:sitemap-section", args=["articles"]),
        reverse("articles:search") + "?q=zebra",
        reverse("api:article-list"),
    ]


def own_addresses(article):
    return [
        article.get_absolute_url(),
        reverse("articles:article-citation", args=[article.slug, "bib"]),
        reverse("api:article-detail", args=[article.slug]),
    ]


def secret_article(**overrides):
    author, topic = make_author(name="Leyla Zebra-Writer"), make_topic(name="Zebra Topic")
    # Another published piece keeps the author's and topic's pages public (they are 404
    # without one), so they are checked for leaks too.
    make_article(title="A companion piece", authors=[author], topics=[topic])
    fields = {
        "title": SECRET_TITLE,
        "summary": "Zebra crossings of the Caspian.",
        "authors": [author],
        "topics": [topic],
    }
    fields.update(overrides)
    return make_article(**fields)


def neighbour_of(article):
    """A published article whose related block links `article`."""
    neighbour = make_article(title="The neighbouring piece")
    link(neighbour, article)
    return neighbour


def warm_everything(client, article, neighbour):
    for url in [*public_lists(article), *own_addresses(article), neighbour.get_absolute_url()]:
        for _ in range(2):
            assert client.get(url).status_code == 200, url


def assert_gone(client, article, neighbour):
    for url in own_addresses(article):
        assert client.get(url).status_code == 404, url
    for url in [*public_lists(article), neighbour.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET_TITLE not in response.content.decode(), url
        assert article.slug not in response.content.decode(), url


def sitemap_names(client):
    return client.get(reverse("articles:sitemap-section", args=["articles"])).content.decode()


# --- 3. Unpublished, archived and deleted articles disappear at once, caches warm ---


@pytest.mark.parametrize("service", ["unpublish_article", "archive_article"])
def test_a_service_unpublish_or_archive_removes_the_article_everywhere_at_once(
    client, caches_on, publisher, service
):
    article = secret_article()
    neighbour = neighbour_of(article)
    warm_everything(client, article, neighbour)

    getattr(services, service)(article=article, user=publisher)

    assert_gone(client, article, neighbour)


@pytest.mark.parametrize("action", ["unpublish", "archive"])
def test_an_admin_action_removes_the_article_everywhere_at_once(client, caches_on, action):
    article = secret_article()
    neighbour = neighbour_of(article)
    warm_everything(client, article, neighbour)
    admin = Client()
    admin.force_login(make_user(superuser=True))

    admin.post(
        reverse("admin:articles_article_changelist"),
        {"action": action, "_selected_action": [article.pk]},
    )

    assert Article.objects.get(pk=article.pk).status != Article.Status.PUBLISHED
    assert_gone(client, article, neighbour)


def test_a_deleted_article_is_gone_everywhere_at_once(client, caches_on):
    article = secret_article()
    neighbour = neighbour_of(article)
    warm_everything(client, article, neighbour)
    admin = Client()
    admin.force_login(make_user(superuser=True))

    response = admin.post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()
    assert_gone(client, article, neighbour)


# --- 4. Scheduled articles: hidden until their time, then shown on time ---


def test_a_scheduled_article_stays_hidden_with_warm_caches_until_its_time(client, caches_on):
    now = timezone.now()
    make_article(title="Already out zebra")
    article = secret_article(published_at=now + timedelta(seconds=120))
    neighbour = neighbour_of(article)
    # Warm every public address while the article is scheduled.
    for url in [*public_lists(article), neighbour.get_absolute_url()]:
        for _ in range(2):
            hidden = client.get(url).content.decode()
            assert SECRET_TITLE not in hidden and article.slug not in hidden, url
    for url in own_addresses(article):
        assert client.get(url).status_code == 404, url
    changes = client.get(reverse("api:change-list")).json()
    assert article.pk not in [event["id"] for event in changes["events"]]

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(seconds=60)):
        for url in [*public_lists(article), neighbour.get_absolute_url()]:
            hidden = client.get(url).content.decode()
            assert SECRET_TITLE not in hidden and article.slug not in hidden, url
        for url in own_addresses(article):
            assert client.get(url).status_code == 404, url

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(seconds=121)):
        for url in [*public_lists(article), neighbour.get_absolute_url()]:
            shown = client.get(url).content.decode()
            assert SECRET_TITLE in shown or article.get_absolute_url() in shown, url
        for url in own_addresses(article):
            assert client.get(url).status_code == 200, url


def test_a_draft_and_an_article_in_review_are_404_on_their_page_and_api(client, caches_on):
    for status in (Article.Status.DRAFT, Article.Status.IN_REVIEW):
        article = secret_article(status=status, slug=f"secret-{status}")
        for url in own_addresses(article):
            assert client.get(url).status_code == 404, url
        assert SECRET_TITLE not in client.get(reverse("articles:home")).content.decode()
        delete(article)


# --- 2. The embargo key's view never reaches anonymous readers or ordinary keys ---


def test_what_an_embargo_key_sees_is_never_served_to_anyone_else(client, caches_on):
    make_article(title="Public zebra piece")
    article = secret_article(published_at=timezone.now() + timedelta(hours=2))
    _, embargo_secret = make_key(embargo=True)
    _, plain_secret = make_key(partner="Another agency")
    urls = [reverse("api:article-list"), reverse("api:article-detail", args=[article.slug])]

    for url in urls:
        for _ in range(2):
            keyed = client.get(url, **auth(embargo_secret))
            assert keyed.status_code == 200
            assert "embargoed_until" in keyed.content.decode()
            assert "private" in keyed["Cache-Control"]

    list_url, detail_url = urls
    for extra in ({}, auth(plain_secret)):
        listed = client.get(list_url, **extra)
        assert listed.status_code == 200
        assert SECRET_TITLE not in listed.content.decode()
        assert client.get(detail_url, **extra).status_code == 404


def test_an_anonymous_cached_list_never_hides_embargoed_articles_from_the_embargo_key(
    client, caches_on
):
    make_article(title="Public zebra piece")
    article = secret_article(published_at=timezone.now() + timedelta(hours=2))
    _, embargo_secret = make_key(embargo=True)
    for _ in range(2):
        assert SECRET_TITLE not in client.get(reverse("api:article-list")).content.decode()

    listed = client.get(reverse("api:article-list"), **auth(embargo_secret)).json()
    items = {item["slug"]: item for item in listed["results"]}
    assert items[article.slug]["embargoed_until"]
    assert items["public-zebra-piece"].get("embargoed_until") is None


# --- 1. Previews never reach the public ---


def test_a_staff_preview_never_puts_its_banner_or_draft_state_into_public_pages(
    client, caches_on, editor
):
    article = secret_article()
    staff = Client()
    staff.force_login(make_user(superuser=True))
    warm = client.get(article.get_absolute_url()).content.decode()
    assert "preview-banner" not in warm

    edit(article, title="Edited title seen in preview")
    preview = staff.get(reverse("articles:article-preview", args=[article.pk]))
    assert "preview-banner" in preview.content.decode()
    assert "no-store" in preview["Cache-Control"]

    for _ in range(2):
        public = client.get(article.get_absolute_url()).content.decode()
        assert "preview-banner" not in public
        assert "noindex" not in public
        assert "Edited title seen in preview" in public


def test_a_previewed_draft_does_not_populate_what_the_public_sees_after_publishing(
    client, caches_on, publisher
):
    draft = make_draft(title="Draft wording zebra", slug="zebra-draft")
    staff = Client()
    staff.force_login(make_user(superuser=True))
    for _ in range(2):
        assert staff.get(reverse("articles:article-preview", args=[draft.pk])).status_code == 200
        assert client.get("/articles/zebra-draft/").status_code == 404
        assert client.get(reverse("articles:article-preview", args=[draft.pk])).status_code == 302

    edit(draft, title="Final wording zebra")
    services.publish_article(article=draft, user=publisher)

    public = client.get("/articles/zebra-draft/").content.decode()
    assert "Final wording zebra" in public
    assert "Draft wording zebra" not in public
    assert "preview-banner" not in public


# --- 5. Conditional GET never confirms a stale version ---


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/articles/",
        "/feeds/rss/",
        "/feeds/atom/",
        "/",
        "/sitemap-articles.xml",
        "/sitemap-images.xml",
    ],
)
@pytest.mark.parametrize("how", ["unpublish", "delete"])
def test_if_modified_since_never_confirms_a_list_that_still_shows_a_withdrawn_article(
    client, caches_on, publisher, url, how
):
    older = make_article(title="Older zebra piece", hero_image=make_image())
    article = secret_article(hero_image=make_image())
    stamp = timezone.now() - timedelta(days=3)
    Article.objects.filter(pk=older.pk).update(updated_at=stamp, published_at=stamp)
    first = client.get(url)
    assert article.slug in first.content.decode()
    # A client without a Last-Modified dates its copy by its own clock.
    last_modified = first.get("Last-Modified") or http_date(timezone.now().timestamp())

    if how == "unpublish":
        services.unpublish_article(article=article, user=publisher)
    else:
        delete(article)

    again = client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert again.status_code == 200, "a 304 would confirm the copy showing the withdrawn article"
    assert article.slug not in again.content.decode()
    with_etag = client.get(url, HTTP_IF_NONE_MATCH=first.get("ETag", '"x"'))
    assert with_etag.status_code == 200


def test_a_conditional_get_of_a_withdrawn_article_is_404_not_304(client, caches_on, publisher):
    article = secret_article()
    for url in own_addresses(article)[::2]:
        client.get(url)
    validators = {url: client.get(url) for url in own_addresses(article)[::2]}

    services.unpublish_article(article=article, user=publisher)

    for url, first in validators.items():
        response = client.get(
            url,
            HTTP_IF_NONE_MATCH=first.get("ETag", '"x"'),
            HTTP_IF_MODIFIED_SINCE=http_date(timezone.now().timestamp() + 60),
        )
        assert response.status_code == 404, url


# --- 6. Markup in titles, summaries, bios, captions never becomes live HTML ---


def test_script_in_a_title_or_summary_is_escaped_in_search_snippets_and_pages(client, caches_on):
    article = make_article(
        title="Zebra <script>alert('t')</script> title",
        summary="Zebra <script>alert('s')</script> summary <img src=x onerror=alert(1)>",
        dek="Zebra <b onmouseover=x>dek</b>",
        authors=[make_author(bio="<script>alert('bio')</script>", name="<i>Zebra</i> Author")],
    )
    for url in [
        reverse("articles:search") + "?q=zebra",
        reverse("articles:search") + "?q=script",
        reverse("articles:search") + "?q=alert",
        article.get_absolute_url(),
        reverse("articles:home"),
        article.ordered_authors[0].get_absolute_url(),
        reverse("articles:author-list"),
    ]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "<b onmouseover" not in html, url
        assert "<i>Zebra</i>" not in html, url
        assert "</script> title" not in html, url


def test_json_ld_cannot_be_closed_early_by_a_title(client, caches_on):
    article = make_article(title="</script><script>alert(1)</script> zebra")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html


# --- Revisions and the change feed never show an unpublished article ---


def test_the_revisions_endpoint_is_404_for_unpublished_and_scheduled_articles(
    client, caches_on, publisher
):
    _, secret = make_key(revisions=True)
    withdrawn = secret_article()
    url = reverse("api:article-revisions", args=[withdrawn.slug])
    assert client.get(url, **auth(secret)).status_code == 200
    services.unpublish_article(article=withdrawn, user=publisher)
    scheduled = make_article(published_at=timezone.now() + timedelta(hours=1))
    draft = make_draft()

    for article in (withdrawn, scheduled, draft):
        url = reverse("api:article-revisions", args=[article.slug])
        assert client.get(url, **auth(secret)).status_code == 404, article.status


def test_the_change_feed_reports_an_unpublished_article_as_unpublished(
    client, caches_on, publisher
):
    article = secret_article()
    client.get(reverse("api:change-list"))
    services.unpublish_article(article=article, user=publisher)

    events = client.get(reverse("api:change-list")).json()["events"]
    mine = [event["event"] for event in events if event["id"] == article.pk]
    assert mine[-1] == "unpublished"
    assert client.get(reverse("api:article-detail", args=[article.slug])).status_code == 404
