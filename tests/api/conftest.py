import pytest
from django.test import Client

from partners.models import PartnerKey


@pytest.fixture(autouse=True)
def api_settings(settings):
    """The change feed shows events at once in tests; throttles stay out of the way."""
    return settings


@pytest.fixture
def api(db):
    return Client()


def make_key(*, partner="Example News Agency", embargo=False, revisions=False, rate="", **extra):
    """A partner key and its secret (shown once, as in the admin)."""
    return PartnerKey.objects.create_key(
        name="production",
        partner=partner,
        can_see_embargoed=embargo,
        can_see_revisions=revisions,
        throttle_rate=rate,
        **extra,
    )


def auth(secret):
    return {"HTTP_AUTHORIZATION": f"Api-Key {secret}"}


def assert_problem(response, status, code, param=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"] and body["detail"]
    if param is not None:
        assert param in [p["name"] for p in body["invalid_params"]], body
        assert param in body["detail"]
    return body
