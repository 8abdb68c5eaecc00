"""A publisher sets up two-factor login in the browser, then logs in with a code."""

from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def code_for(secret):
    padded = secret + "=" * (-len(secret) % 8)
    return f"{totp(b32decode(padded)):06d}"


def log_in(page, url, code=""):
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", "pub")
    page.fill("#id_password", "pw-for-e2e-only")
    if code:
        page.fill("#id_otp_token", code)
    page.click("input[type=submit]")


def test_a_publisher_enrols_then_logs_in_with_a_code(browser, live_server, settings):
    settings.OTP_REQUIRED_FOR_PUBLISHERS = True
    make_user("pub", role="Publisher", password="pw-for-e2e-only")
    page = browser.new_page()

    log_in(page, live_server.url)
    page.wait_for_url("**/admin/two-factor/")
    secret = page.locator(".otp-secret").inner_text()
    page.fill("#id_code", code_for(secret))
    page.click("input[type=submit]")
    codes = page.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10

    page.goto(f"{live_server.url}/admin/articles/article/")
    assert page.url.endswith("/admin/articles/article/")
    page.context.clear_cookies()

    log_in(page, live_server.url)  # no code: refused
    assert "Enter the code" in page.content()
    log_in(page, live_server.url, code=codes[0])  # a recovery code
    page.wait_for_url("**/admin/")
    assert "Site administration" in page.content() or "editorial desk" in page.content()
