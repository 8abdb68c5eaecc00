"""ETag, Last-Modified and 304s, so partners re-download only what changed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import http_date

from articles.models import Article
from tests.api.conftest import auth, make_key
from tests.factories import make_article, make_author, make_topic

pytestmark = pytest.mark.django_db

URLS = ["/api/v1/articles/", "/api/v1/articles/{slug}/", "/api/v1/authors/", "/api/v1/topics/"]


@pytest.fixture
def article():
    return make_article(authors=[make_author()], topics=[make_topic()])


@pytest.mark.parametrize("url", [*URLS, "/api/v1/changes/"])
def test_every_get_has_etag_and_last_modified_and_a_matching_etag_is_304(api, article, url):
    url = url.format(slug=article.slug)
    response = api.get(url)
    assert response.status_code == 200
    assert response["ETag"] and response["Last-Modified"]
    again = api.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("url", URLS)
def test_if_modified_since_is_304_until_the_content_changes(api, article, url):
    url = url.format(slug=article.slug)
    response = api.get(url)
    last_modified = response["Last-Modified"]
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    earlier = http_date((timezone.now() - timedelta(days=1)).timestamp())
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_last_modified_is_the_newest_update_shown(api):
    older = make_article()
    newer = make_article()
    stamp = timezone.now() - timedelta(days=2)
    Article.objects.filter(pk=older.pk).update(updated_at=stamp)
    Article.objects.filter(pk=newer.pk).update(updated_at=stamp + timedelta(hours=1))
    response = api.get("/api/v1/articles/")
    assert response["Last-Modified"] == http_date((stamp + timedelta(hours=1)).timestamp())
    detail = api.get(f"/api/v1/articles/{older.slug}/")
    assert detail["Last-Modified"] == http_date(stamp.timestamp())


def test_an_edit_changes_the_etag(api, article):
    first = api.get(f"/api/v1/articles/{article.slug}/")
    article.title = "A new title"
    article.save()
    second = api.get(f"/api/v1/articles/{article.slug}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]


def test_keyed_requests_also_get_304(api, article):
    _, secret = make_key()
    response = api.get("/api/v1/articles/", **auth(secret))
    assert "private" in response["Cache-Control"]
    again = api.get("/api/v1/articles/", HTTP_IF_NONE_MATCH=response["ETag"], **auth(secret))
    assert again.status_code == 304
