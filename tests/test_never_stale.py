"""Never stale: after every kind of change, every public address served through the caches
equals a fresh render of it.

The walk warms every public page, feed, sitemap and API answer through the response and
fragment caches and the stored renderings of articles (made by the worker), makes one change
through the services (then lets the worker run what the change queued, as in production), and
asks every address again: the answer served must be byte for byte what the site renders with
every cache and stored rendering off.
"""

import difflib
import gzip
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleRendering, Author, Topic
from articles.revisions import system_user
from articles.sitemaps import SITEMAPS
from tests.conftest import redis_caches
from tests.factories import (
    change,
    delete,
    edit,
    link,
    make_article,
    make_author,
    make_image,
    make_topic,
)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now()


@pytest.fixture(autouse=True, params=["local memory", "redis"])
def caches_on(request, isolated_media_and_cache, response_cache_off, settings):
    """Both cache set-ups of production: one process's memory, and Redis shared by the app
    servers (with each process's own copy of what it served last)."""
    settings.RESPONSE_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600
    settings.PRERENDERED_ARTICLES = True
    settings.SITE_URL = "http://testserver"  # the test client's address: renderings served
    if request.param == "local memory":
        yield
        return
    with redis_caches("never-stale", RESPONSE_CACHE_LOCAL_BYTES=4_000_000):
        yield


def public_addresses():
    """Every public address of the site as it is now (plus the ones walked before)."""
    urls = {
        reverse("articles:home"),
        reverse("articles:article-list"),
        reverse("articles:author-list"),
        reverse("articles:topic-list"),
        reverse("articles:feed"),
        reverse("articles:atom-feed"),
        reverse("articles:sitemap"),
        reverse("articles:image-sitemap"),
        reverse("articles:search") + "?q=caspian",
        reverse("articles:search") + "?q=pipeline",
        reverse("api:article-list"),
        reverse("api:article-list") + "?ordering=-published_at&page_size=3",
        reverse("api:author-list"),
        reverse("api:topic-list"),
    }
    urls |= {reverse("articles:sitemap-section", args=[section]) for section in SITEMAPS}
    for article in Article.objects.filter(working_copy_of=None):
        urls |= {article.get_absolute_url(), reverse("api:article-detail", args=[article.slug])}
    for author in Author.objects.all():
        urls |= {
            reverse("articles:author-detail", args=[author.slug]),
            reverse("articles:author-feed", args=[author.slug]),
            reverse("api:author-detail", args=[author.slug]),
        }
    for topic in Topic.objects.all():
        urls |= {
            reverse("articles:topic-detail", args=[topic.slug]),
            reverse("articles:topic-atom-feed", args=[topic.slug]),
            reverse("api:topic-detail", args=[topic.slug]),
        }
    return urls


# A list cursor is signed with the time it was made (`django.core.signing`): two renders of
# the same page in different seconds differ there only.
SIGNED_CURSOR = re.compile(rb"([A-Za-z0-9_-]{20,}):[A-Za-z0-9_-]{4,8}:[A-Za-z0-9_-]{20,}")


# Asked as browsers ask: compressed (stored pages are kept compressed, articles.prerender).
BROWSER = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def answer(client, url):
    response = client.get(url, **BROWSER)
    content = response.content
    if response.get("Content-Encoding") == "gzip":
        content = gzip.decompress(content)
    return response.status_code, SIGNED_CURSOR.sub(rb"\1:signed", content)


def fresh(client, url):
    with override_settings(
        RESPONSE_CACHE_SECONDS=0, FRAGMENT_CACHE_SECONDS=0, PRERENDERED_ARTICLES=False
    ):
        return answer(client, url)


def walk(client, urls, what):
    stale = {}
    for url in sorted(urls):
        served, rendered = answer(client, url), fresh(client, url)
        if served != rendered:
            diff = difflib.unified_diff(
                rendered[1].decode().splitlines(), served[1].decode().splitlines(), lineterm=""
            )
            stale[url] = (rendered[0], served[0], "\n".join(list(diff)[:12]))
    assert not stale, f"stale after {what}: {stale}"


def warm(client, urls):
    for url in urls:
        client.get(url, **BROWSER)


@pytest.fixture
def site():
    """A small archive in which everything shows something else."""
    mehdi = make_author(name="Leyla Mammadova", role="Fellow")
    aigerim = make_author(name="Aigerim Sadykova", role="Analyst")
    energy = make_topic(name="Energy")
    trade = make_topic(name="Trade")
    image = make_image(credit="president.az (2019)", alt_text="A pipeline at dusk")
    first = make_article(
        title="Caspian pipeline politics", authors=[mehdi], topics=[energy], hero_image=image
    )
    second = make_article(title="Caspian ports and trade", authors=[aigerim], topics=[trade])
    third = make_article(
        title="A pipeline tariff primer", authors=[mehdi, aigerim], topics=[energy, trade]
    )
    link(first, second)
    link(second, third)
    scheduled = make_article(
        title="Caspian fisheries outlook",
        authors=[aigerim],
        topics=[trade],
        published_at=NOW + timedelta(hours=1),
    )
    return {
        "authors": (mehdi, aigerim),
        "topics": (energy, trade),
        "image": image,
        "articles": (first, second, third),
        "scheduled": scheduled,
    }


def publish_translation(article):
    draft = services.translate_article(source=article, language="ru", user=system_user())
    edit(draft, title="Каспийские порты и торговля", slug="kaspiyskie-porty")
    return services.publish_article(article=draft, user=system_user())


CHANGES = {
    "article edit": lambda s: edit(s["articles"][1], title="Caspian ports, revised"),
    "new article": lambda s: make_article(
        title="Caspian pipeline finance", authors=[s["authors"][1]], topics=[s["topics"][0]]
    ),
    "author rename": lambda s: change(s["authors"][0], name="Leyla Mammadova-Aliyeva"),
    "topic rename": lambda s: change(s["topics"][1], name="Trade and transit"),
    "image credit": lambda s: change(s["image"], credit="Official photo (2020)"),
    "related link": lambda s: link(s["articles"][2], s["articles"][0]),
    "translation published": lambda s: publish_translation(s["articles"][1]),
    "unpublish": lambda s: services.unpublish_article(article=s["articles"][2], user=system_user()),
    "delete": lambda s: delete(s["articles"][0]),
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_every_public_address_equals_a_fresh_render_after_a_change(client, site, run_tasks, kind):
    run_tasks()  # the articles' stored renderings made
    assert ArticleRendering.objects.count() == 3
    urls = public_addresses()
    warm(client, urls)
    walk(client, urls, "warming")

    CHANGES[kind](site)
    urls |= public_addresses()
    walk(client, urls, f"{kind} (at its commit)")

    run_tasks()  # suggestions refreshed, fan-out finished: more changes readers see
    walk(client, urls, f"{kind} (and the work it queued)")


def test_every_public_address_equals_a_fresh_render_when_a_schedule_comes_due(
    client, site, run_tasks
):
    run_tasks()
    urls = public_addresses()
    warm(client, urls)

    with mock.patch("django.utils.timezone.now", return_value=NOW + timedelta(hours=1, seconds=1)):
        before_the_worker = urls | public_addresses()
        walk(client, before_the_worker, "the schedule coming due")
        run_tasks()  # the worker logs the publication
        walk(client, before_the_worker, "the worker logging the publication")
        assert site["scheduled"].title.encode() in answer(client, reverse("articles:feed"))[1]
