"""Admin login limits (django-axes) and two-factor login (django-otp), through the admin."""

import logging

import pytest
from axes.models import AccessAttempt
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pw-for-tests-only"


def log_in(client, username, password=PASSWORD, code="", **extra):
    data = {"username": username, "password": password, "next": "/admin/"}
    if code:
        data["otp_token"] = code
    return client.post(LOGIN, data, **extra)


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3


# --- Lockout ---


def test_wrong_passwords_lock_the_username_even_with_the_right_password_after(
    client, limits, caplog
):
    make_user("ana", role="Editor")
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert log_in(client, "ana", "wrong").status_code in (200, 429)
    locked = log_in(client, "ana", REMOTE_ADDR="198.51.100.4")  # right password, other address
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert "_auth_user_id" not in client.session
    assert any("AXES" in record.getMessage() for record in caplog.records)


def test_wrong_passwords_from_one_address_lock_that_address_for_every_username(client, limits):
    make_user("ben", role="Editor")
    for name in ("x1", "x2", "x3"):
        log_in(client, name, "wrong", REMOTE_ADDR="203.0.113.5")
    assert log_in(client, "ben", REMOTE_ADDR="203.0.113.5").status_code == 429
    assert log_in(client, "ben", REMOTE_ADDR="203.0.113.6").status_code == 302


def test_a_publisher_unlocks_a_locked_out_editor_in_the_admin(client, limits):
    make_user("cleo", role="Editor")
    publisher = make_user("pia", role="Publisher")
    for _ in range(3):
        log_in(client, "cleo", "wrong", REMOTE_ADDR="192.0.2.50")
    assert log_in(client, "cleo", REMOTE_ADDR="192.0.2.51").status_code == 429

    admin = type(client)()
    admin.force_login(publisher)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and b"cleo" in listing.content
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "cleo", REMOTE_ADDR="192.0.2.51").status_code == 302


def test_an_editor_cannot_unlock(client):
    client.force_login(make_user("dan", role="Editor"))
    assert client.get("/admin/axes/accessattempt/").status_code == 403


# --- Two-factor ---


def test_enrolment_confirms_the_app_shows_recovery_codes_and_verifies_the_session(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait after the wrong code below
    user = make_user("eve", role="Editor")
    client.force_login(user)
    page = client.get("/admin/two-factor/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"] in page.content.decode()

    wrong = client.post("/admin/two-factor/", {"code": "000000"})
    assert "not right" in wrong.content.decode() or current_code(device) == "000000"

    done = client.post("/admin/two-factor/", {"code": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    codes = done.context["recovery_codes"]
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=user).count() == 10
    assert all(code in done.content.decode() for code in codes)
    assert client.session["otp_device_id"] == device.persistent_id


def enrolled(username, role="Publisher"):
    user = make_user(username, role=role)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device


@pytest.mark.django_db(transaction=True)  # as in production: no test transaction around it
def test_a_user_with_a_device_needs_a_code_to_log_in(client):
    user, device = enrolled("fay")
    without = log_in(client, "fay")
    assert without.status_code == 200
    assert "Enter the code" in without.content.decode()
    assert "_auth_user_id" not in client.session

    wrong = log_in(client, "fay", code="12345" if current_code(device) != "123456" else "654321")
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    right = log_in(client, "fay", code=current_code(device))
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_logs_in_once(client):
    user, device = enrolled("gus")
    static = user.staticdevice_set.create(name="Recovery codes", confirmed=True)
    static.token_set.create(token="abcd1234ef")
    assert log_in(client, "gus", code="abcd1234ef").status_code == 302
    client.logout()
    assert log_in(client, "gus", code="abcd1234ef").status_code == 200  # used up


def test_publishers_must_enrol_when_the_setting_says_so(client, settings):
    settings.OTP_REQUIRED_FOR_PUBLISHERS = True
    publisher = make_user("hal", role="Publisher")
    log_in(client, "hal")
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302 and response["Location"] == "/admin/two-factor/"
    assert client.get("/admin/two-factor/").status_code == 200

    device = TOTPDevice.objects.get(user=publisher)
    client.post("/admin/two-factor/", {"code": current_code(device)})
    assert client.get("/admin/articles/article/").status_code == 200


def test_with_the_setting_on_editors_are_not_forced_and_an_unverified_publisher_is_logged_out(
    client, settings
):
    settings.OTP_REQUIRED_FOR_PUBLISHERS = True
    client.force_login(make_user("ivy", role="Editor"))
    assert client.get("/admin/articles/article/").status_code == 200

    publisher, _ = enrolled("jon")
    client.force_login(publisher)  # a session without a code
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session


def test_the_setting_is_on_by_default_in_production_and_off_with_debug():
    from tests.cpc_site.test_settings import PRODUCTION, manage  # noqa: PLC0415

    show = [
        "shell",
        "-c",
        "from django.conf import settings; print(settings.OTP_REQUIRED_FOR_PUBLISHERS)",
    ]
    assert manage(*show, env=PRODUCTION).stdout.strip().endswith("True")
    assert manage(*show, env={"DJANGO_DEBUG": "1"}).stdout.strip().endswith("False")
