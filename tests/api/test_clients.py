"""What clients send: repeated or comma-separated fields, the key in X-Api-Key or
Authorization, and what they get back: rate limits, and the same validators for HEAD."""

import pytest
from rest_framework.throttling import SimpleRateThrottle

from partners.models import KeyUsage
from tests.api.conftest import assert_problem, auth, make_key
from tests.api.test_conditional import settle
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    ["fields=title&fields=slug", "fields=title,slug", "fields=title&fields=slug,title"],
)
def test_fields_may_be_repeated_or_comma_separated(api, query):
    article = make_article()
    item = api.get(f"/api/v1/articles/?{query}").json()["results"][0]
    assert item == {"title": article.title, "slug": article.slug}
    detail = api.get(f"/api/v1/articles/{article.slug}/?{query}").json()
    assert detail == {"title": article.title, "slug": article.slug}


def test_a_repeated_field_with_an_unknown_name_is_still_refused(api):
    make_article()
    assert_problem(
        api.get("/api/v1/articles/?fields=title&fields=password"), 400, "invalid_parameter"
    )
    assert_problem(api.get("/api/v1/articles/?fields=title&fields="), 400, "invalid_parameter")


def test_the_key_may_come_in_x_api_key(api):
    article = make_article()
    key, secret = make_key(embargo=True)
    response = api.get("/api/v1/articles/", HTTP_X_API_KEY=secret)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert KeyUsage.objects.get(key=key).requests == 1
    assert article.slug in response.content.decode()
    both = api.get("/api/v1/articles/", HTTP_X_API_KEY=secret, **auth(secret))
    assert both.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_API_KEY": "not-a-key"},
        {"HTTP_X_API_KEY": ""},
        {"HTTP_AUTHORIZATION": "Bearer abc"},
        {"HTTP_AUTHORIZATION": "abc.def"},
    ],
)
def test_a_bad_key_header_is_never_silently_anonymous(api, headers):
    make_article()
    body = api.get("/api/v1/articles/", **headers).json()
    assert body["status"] == 401


def test_a_malformed_header_names_both_headers(api):
    body = assert_problem(
        api.get("/api/v1/articles/", HTTP_AUTHORIZATION="Bearer abc"),
        401,
        "bad_authorization_header",
    )
    assert "Authorization: Api-Key <key>" in body["detail"] and "X-Api-Key" in body["detail"]


def test_two_different_keys_are_refused(api):
    _, one = make_key()
    _, other = make_key(partner="Another")
    response = api.get("/api/v1/articles/", HTTP_X_API_KEY=one, **auth(other))
    assert_problem(response, 401, "bad_authorization_header")


def test_keyed_answers_carry_ietf_rate_limit_headers(api, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100/minute", "partner": "3/minute"}
    )
    _, secret = make_key()
    answers = [api.get("/api/v1/topics/", **auth(secret)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert all(a["RateLimit-Policy"] == '"partner";q=3;w=60' for a in answers)
    remaining = [a["RateLimit"].split(";")[1] for a in answers]
    assert remaining == ["r=2", "r=1", "r=0", "r=0"]
    reset = int(answers[-1]["RateLimit"].split("t=")[1])
    assert 1 <= reset <= 60 and int(answers[-1]["Retry-After"]) == reset
    assert "RateLimit" not in api.get("/api/v1/topics/")  # anonymous: no key, no policy


@pytest.mark.parametrize(
    "url", ["/api/v1/articles/", "/api/v1/articles/{slug}/", "/api/v1/topics/", "/"]
)
@pytest.mark.parametrize("keyed", [False, True])
def test_head_carries_the_validators_of_get(api, url, keyed):
    article = make_article()
    settle()
    url = url.format(slug=article.slug)
    headers = auth(make_key()[1]) if keyed else {}
    get = api.get(url, HTTP_ACCEPT_ENCODING="gzip", **headers)
    head = api.head(url, HTTP_ACCEPT_ENCODING="gzip", **headers)
    assert get.status_code == head.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert head.get("Last-Modified") == get.get("Last-Modified")
    assert get.has_header("Last-Modified") or not url.startswith("/api/")
    again = api.head(url, HTTP_IF_NONE_MATCH=get["ETag"], HTTP_ACCEPT_ENCODING="gzip", **headers)
    assert again.status_code == 304
