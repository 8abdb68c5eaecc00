"""The API docs render in a real browser, offline, under the site's Content-Security-Policy."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop, not Django's

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_docs_render_every_operation_without_csp_errors_or_cdn(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        console, requested = [], []
        page.on("console", lambda message: console.append(message.text))
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{live_server.url}/api/v1/docs/")
        page.wait_for_selector(".swagger-ui .info .title", timeout=30000)
        assert "partner API" in page.inner_text(".swagger-ui .info .title")
        assert page.locator(".opblock").count() == 8
        browser.close()
    assert [url for url in requested if not url.startswith(live_server.url)] == []
    assert not [text for text in console if "Content Security Policy" in text]
