"""Only changes readers can see retire cached answers (and only for those who can see them)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article
from tests.api.conftest import auth, make_key
from tests.factories import change, edit, link, make_article, make_author, make_draft, make_user

# Caches are retired after the commit of a change: these tests commit, as production does.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def response_cache_on(response_cache_off, settings):
    settings.RESPONSE_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600


def reader_urls(article):
    return [
        reverse("articles:home"),
        article.get_absolute_url(),
        reverse("articles:feed"),
        reverse("api:article-list"),
        reverse("api:article-detail", args=[article.slug]),
    ]


def warm(client, urls, **headers):
    for url in urls:
        assert client.get(url, **headers).status_code == 200, url
        client.get(url, **headers)


def assert_still_cached(client, urls, django_assert_num_queries, **headers):
    for url in urls:
        with django_assert_num_queries(0):
            assert client.get(url, **headers).status_code == 200, url


def publisher_user():
    return make_user(role="Publisher")


def test_drafts_autosaves_working_copies_and_review_notes_retire_nothing(
    client, django_assert_num_queries
):
    live = make_article(title="Ports of the Caspian")
    draft = make_draft(title="A draft in progress")
    urls = reader_urls(live)
    warm(client, urls)
    publisher = publisher_user()

    edit(draft, user=publisher, title="A draft, rewritten")
    assert_still_cached(client, urls, django_assert_num_queries)

    services.autosave(article=draft, user=publisher, data={"title": "Typing…"})
    assert_still_cached(client, urls, django_assert_num_queries)

    copy, _ = services.start_working_copy(article=live, user=publisher)
    edit(copy, user=publisher, title="Ports of the Caspian, corrected")
    assert_still_cached(client, urls, django_assert_num_queries)

    services.submit_for_review(article=copy, user=publisher)
    services.request_changes(article=copy, user=publisher, note="Check the tonnage figure.")
    assert_still_cached(client, urls, django_assert_num_queries)
    assert "corrected" not in client.get(live.get_absolute_url()).content.decode()

    # What readers see changes: they see it at once.
    services.publish_working_copy(live=live, user=publisher)
    assert "Ports of the Caspian, corrected" in client.get(live.get_absolute_url()).content.decode()


def test_an_edit_of_a_scheduled_article_retires_only_embargo_keys_answers(
    client, django_assert_num_queries
):
    live = make_article(title="Ports of the Caspian")
    scheduled = make_article(
        title="Embargoed tariff study", published_at=timezone.now() + timedelta(days=2)
    )
    _, secret = make_key(embargo=True)
    public_urls = reader_urls(live)
    warm(client, public_urls)
    embargo_list = reverse("api:article-list")
    assert "Embargoed tariff study" in client.get(embargo_list, **auth(secret)).content.decode()
    client.get(embargo_list, **auth(secret))

    edit(scheduled, title="Embargoed tariff study, revised")

    assert_still_cached(client, public_urls, django_assert_num_queries)
    seen = client.get(embargo_list, **auth(secret)).content.decode()
    assert "Embargoed tariff study, revised" in seen


def test_a_schedule_brought_forward_retires_public_pages_that_would_outlive_it(client):
    now = timezone.now()
    make_article(title="Already out")
    later = make_article(title="Goes live next week", published_at=now + timedelta(days=7))
    home = reverse("articles:home")
    warm(client, [home])

    edit(later, published_at=now + timedelta(seconds=60))

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(seconds=61)):
        assert "Goes live next week" in client.get(home).content.decode()
    assert Article.objects.get(pk=later.pk).published_at < now + timedelta(seconds=61)


def test_a_change_re_renders_only_the_articles_it_shows_on(client):
    author = make_author(name="Leyla Mammadova")
    changed = make_article(title="Ports of the Caspian", authors=[author])
    showing_it = make_article(title="Shipping lanes")
    link(showing_it, changed)
    unrelated = make_article(title="Fisheries outlook")
    pages = [a.get_absolute_url() for a in (changed, showing_it, unrelated)]

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            body = client.get(url).content.decode()
        return len(captured), body

    cold = {url: queries(url)[0] for url in pages}  # nothing cached yet: rendered in full
    for url in pages:
        client.get(url)

    change(author, name="Leyla Mammadova-Aliyeva")  # shown on `changed` only
    edit(changed, title="Ports of the Caspian, revised")  # its title shows on `showing_it`

    # The whole-page cache is retired, but the unrelated article's own parts are still
    # cached: its page costs the query that finds the article, the one that finds the next
    # scheduled publication (once per content generation), and the author boxes (whose "More
    # from" lists show other articles: its byline and their latest articles).
    count, body = queries(unrelated.get_absolute_url())
    assert count <= 4 < cold[unrelated.get_absolute_url()]
    assert "Fisheries outlook" in body
    # The articles whose output changed are rendered again, with the change.
    count, body = queries(changed.get_absolute_url())
    assert count > 2
    assert "Leyla Mammadova-Aliyeva" in body and "Ports of the Caspian, revised" in body
    count, body = queries(showing_it.get_absolute_url())
    assert count > 2
    assert "Ports of the Caspian, revised" in body
