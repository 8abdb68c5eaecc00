"""Guessing API keys: wrong keys are counted per address; past the limit, 429 (logged)."""

import logging

import pytest

from tests.api.conftest import assert_problem, auth, make_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/topics/"


def test_an_address_that_sends_too_many_wrong_keys_gets_429_even_with_a_right_one(
    client, settings, caplog
):
    settings.API_REFUSED_KEY_LIMIT = 3
    key, secret = make_key()
    with caplog.at_level(logging.WARNING, logger="partners.access"):
        for guess in range(3):
            response = client.get(URL, **auth(f"Guess{guess}.not-a-real-secret"))
            assert_problem(response, 401, "invalid_api_key")
        refused = client.get(URL, **auth(secret))
    assert_problem(refused, 429, "throttled")
    assert int(refused["Retry-After"]) >= 1
    assert sum("Refused API key" in r.getMessage() for r in caplog.records) == 3
    assert "127.0.0.1" in caplog.records[0].getMessage()

    # Another address is not concerned.
    assert client.get(URL, REMOTE_ADDR="192.0.2.9", **auth(secret)).status_code == 200


def test_right_keys_and_anonymous_reads_are_not_counted_as_guesses(client, settings):
    settings.API_REFUSED_KEY_LIMIT = 2
    key, secret = make_key()
    for _ in range(4):
        assert client.get(URL, **auth(secret)).status_code == 200
        assert client.get(URL).status_code == 200
