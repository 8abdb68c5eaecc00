"""Partner keys: sent as `Authorization: Api-Key <key>`, hashed, scoped, throttled, counted."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from partners.models import KeyUsage, PartnerKey
from tests.api.conftest import assert_problem, auth, make_key
from tests.factories import edit, make_article, make_user

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_hashed(api):
    key, secret = make_key()
    stored = PartnerKey.objects.get(pk=key.pk)
    assert secret not in (stored.hashed_key, stored.id)
    assert stored.prefix == secret.split(".")[0]


def test_a_valid_key_reads_and_its_use_is_counted(api):
    key, secret = make_key()
    make_article()
    assert api.get("/api/v1/articles/", **auth(secret)).status_code == 200
    assert api.get("/api/v1/topics/", **auth(secret)).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None
    usage = KeyUsage.objects.get(key=key, day=timezone.localdate())
    assert usage.requests == 2


def test_revoked_and_expired_keys_are_refused(api):
    revoked, revoked_secret = make_key()
    revoked.revoked = True
    revoked.save()
    _, expired_secret = make_key(expiry_date=timezone.now() - timedelta(days=1))
    for secret in (revoked_secret, expired_secret):
        assert_problem(api.get("/api/v1/articles/", **auth(secret)), 401, "invalid_api_key")


def test_keyed_responses_are_private_and_anonymous_ones_public(api):
    make_article()
    _, secret = make_key()
    anonymous = api.get("/api/v1/articles/")
    assert "public" in anonymous["Cache-Control"]
    keyed = api.get("/api/v1/articles/", **auth(secret))
    assert "private" in keyed["Cache-Control"]
    assert "public" not in keyed["Cache-Control"]
    assert "Authorization" in keyed["Vary"]


def test_revisions_need_the_revisions_scope(api):
    article = make_article(title="First title")
    edit(article, title="Second title")
    url = f"/api/v1/articles/{article.slug}/revisions/"
    assert_problem(api.get(url), 401, "not_authenticated")
    assert_problem(api.get(url, **auth(make_key()[1])), 403, "scope_required")
    response = api.get(url, **auth(make_key(revisions=True)[1]))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert [r["title"] for r in data["results"]] == ["Second title", "First title"]
    assert "@" not in response.content.decode()


def test_revision_notes_never_show_editor_email_addresses(api):
    article = make_article()
    edit(article, title="Renamed", reason="Fixed per request of jane.doe@example.org")
    response = api.get(
        f"/api/v1/articles/{article.slug}/revisions/", **auth(make_key(revisions=True)[1])
    )
    assert response.status_code == 200
    assert "jane.doe@example.org" not in response.content.decode()


def test_revisions_of_a_draft_are_404_even_with_the_scope(api):
    from tests.factories import make_draft

    draft = make_draft()
    response = api.get(
        f"/api/v1/articles/{draft.slug}/revisions/", **auth(make_key(revisions=True)[1])
    )
    assert_problem(response, 404, "not_found")


def test_each_key_has_its_own_throttle_rate(api, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1/minute", "partner": "1/minute"}
    )
    _, fast = make_key(rate="3/minute")
    _, default = make_key()
    assert [api.get("/api/v1/topics/", **auth(fast)).status_code for _ in range(4)] == [
        200, 200, 200, 429,
    ]  # fmt: skip
    # The other key and anonymous readers have their own budgets.
    assert api.get("/api/v1/topics/", **auth(default)).status_code == 200
    assert api.get("/api/v1/topics/", **auth(default)).status_code == 429
    assert api.get("/api/v1/topics/").status_code == 200
    assert api.get("/api/v1/topics/").status_code == 429


def test_a_key_rate_must_be_well_formed():
    from django.core.exceptions import ValidationError

    key, _ = make_key()
    for rate in ("fast", "10", "0/hour", "10/fortnight"):
        key.throttle_rate = rate
        with pytest.raises(ValidationError):
            key.full_clean()
    key.throttle_rate = "10/hour"
    key.full_clean()


def test_admin_creates_a_key_once_and_shows_usage(client):
    admin_user = make_user("keeper", superuser=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/partners/partnerkey/add/",
        {
            "partner": "Example Wire",
            "name": "production",
            "contact": "",
            "can_see_embargoed": "on",
            "throttle_rate": "2000/hour",
        },
        follow=True,
    )
    assert response.status_code == 200
    key = PartnerKey.objects.get(partner="Example Wire")
    assert key.scopes == ["embargo"]
    messages = [str(m) for m in response.context["messages"]]
    secret = messages[0].split("is: ")[1].split(". ")[0]
    assert PartnerKey.objects.get_from_key(secret) == key
    KeyUsage.objects.create(key=key, day=timezone.localdate(), requests=42)
    changelist = client.get("/admin/partners/partnerkey/")
    assert changelist.status_code == 200
    assert "Example Wire" in changelist.content.decode()
    assert ">42<" in changelist.content.decode()
    change = client.get(f"/admin/partners/partnerkey/{key.pk}/change/")
    assert change.status_code == 200
    assert f"{timezone.localdate().isoformat()}: 42" in change.content.decode()


def test_create_partner_key_command_prints_a_working_key():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "create_partner_key",
        partner="CLI Partner",
        scope=["revisions"],
        rate="10/minute",
        stdout=out,
    )
    secret = out.getvalue().strip()
    key = PartnerKey.objects.get_from_key(secret)
    assert (key.partner, key.scopes, key.throttle_rate) == (
        "CLI Partner",
        ["revisions"],
        "10/minute",
    )


def test_create_partner_key_command_refuses_a_bad_rate():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("create_partner_key", partner="CLI Partner", rate="lots")
    assert not PartnerKey.objects.exists()


def test_with_usage_counted_in_the_cache_the_worker_moves_it_to_the_database(api, settings):
    """`partners.tasks.flush_usage` is one of the worker's periodic duties."""
    from partners.tasks import flush_usage

    assert ("partners.tasks.flush_usage", 60) in settings.WORKER_PERIODIC_TASKS
    settings.PARTNER_USAGE_IN_CACHE = True
    key, secret = make_key()
    for _ in range(3):
        assert api.get("/api/v1/topics/", **auth(secret)).status_code == 200
    assert not KeyUsage.objects.exists()
    assert flush_usage.call() == 3
    assert KeyUsage.objects.get(key=key, day=timezone.localdate()).requests == 3
    key.refresh_from_db()
    assert key.last_used_at is not None
    api.get("/api/v1/topics/", **auth(secret))
    flush_usage.call()
    assert KeyUsage.objects.get(key=key).requests == 4
