"""Every error is RFC 7807 problem+json naming what went wrong; never a 500, never ignored."""

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.api.conftest import assert_problem, auth, make_key
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("colour=blue", "colour"),
        ("format=json", "format"),
        ("author=nobody-at-all", "author"),
        ("topic=no-such-topic", "topic"),
        ("type=poem", "type"),
        ("ordering=random", "ordering"),
        ("published_after=yesterday", "published_after"),
        ("published_before=2024-13-45", "published_before"),
        ("updated_since=0001-01-01T00:00:00%2B05:00", "updated_since"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("page=99", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=-5", "page_size"),
        ("fields=title,password", "fields"),
        ("search=", "search"),
        ("type=report&type=analysis", "type"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_the_parameter(api, query, param):
    make_article()
    body = assert_problem(api.get(f"/api/v1/articles/?{query}"), 400, "invalid_parameter", param)
    assert body["invalid_params"][0]["reason"]


def test_every_bad_parameter_is_named_at_once(api):
    body = assert_problem(api.get("/api/v1/articles/?a=1&b=2"), 400, "invalid_parameter")
    assert [p["name"] for p in body["invalid_params"]] == ["a", "b"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/authors/?search=x",
        "/api/v1/topics/?page_size=0",
        "/api/v1/changes/?since=not-a-cursor",
        "/api/v1/changes/?limit=0",
        "/api/v1/changes/?page=2",
    ],
)
def test_other_endpoints_check_their_parameters_too(api, url):
    name = url.split("?")[1].split("=")[0]
    assert_problem(api.get(url), 400, "invalid_parameter", name)


def test_detail_accepts_only_fields(api):
    article = make_article()
    assert_problem(
        api.get(f"/api/v1/articles/{article.slug}/?page=1"), 400, "invalid_parameter", "page"
    )


def test_unknown_article_author_topic_and_address_are_404(api):
    for url in (
        "/api/v1/articles/nope/",
        "/api/v1/authors/nope/",
        "/api/v1/topics/nope/",
        "/api/v1/nothing/here/",
        "/api/v1/articles/nope/revisions/",
    ):
        response = api.get(url, **auth(make_key(revisions=True)[1]))
        assert_problem(response, 404, "not_found")


def test_writes_are_405_with_allow(api):
    make_author()
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api, method)("/api/v1/authors/")
        assert_problem(response, 405, "method_not_allowed")
        assert "GET" in response["Allow"]


def test_unknown_key_is_401_with_www_authenticate(api):
    response = api.get("/api/v1/articles/", HTTP_AUTHORIZATION="Api-Key nope.nope")
    assert_problem(response, 401, "invalid_api_key")
    assert response["WWW-Authenticate"] == "Api-Key"
    response = api.get("/api/v1/articles/", HTTP_AUTHORIZATION="Bearer abc")
    assert_problem(response, 401, "bad_authorization_header")


def test_missing_scope_is_403(api):
    article = make_article()
    _, secret = make_key()
    response = api.get(f"/api/v1/articles/{article.slug}/revisions/", **auth(secret))
    body = assert_problem(response, 403, "scope_required")
    assert "revisions" in body["detail"]


def test_throttled_is_429_with_retry_after(api, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "partner": "9/minute"}
    )
    assert api.get("/api/v1/topics/").status_code == 200
    assert api.get("/api/v1/topics/").status_code == 200
    response = api.get("/api/v1/topics/")
    assert_problem(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60


def test_an_unexpected_error_is_a_500_problem(api, monkeypatch):
    from articles import api as api_module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api_module.TopicViewSet, "list", broken)
    response = api.get("/api/v1/topics/")
    body = assert_problem(response, 500, "server_error")
    assert "boom" not in body["detail"]
