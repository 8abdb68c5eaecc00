"""One-click Pin and Hide in a real browser: the buttons post the article form to their action."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import sync_playwright

from related.models import HiddenSuggestion, RelatedLink
from related.services import refresh_suggestions
from tests.factories import make_article, make_topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def admin_page(live_server):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    get_user_model().objects.create_superuser("chief", "chief@example.org", "pw-for-e2e-only")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "chief")
        page.fill("#id_password", "pw-for-e2e-only")
        page.click("input[type=submit]")
        yield page
        browser.close()


def test_editor_pins_one_suggestion_and_hides_another(admin_page, live_server):
    energy = make_topic(name="Energy")
    main = make_article(title="Caspian gas pipeline exports", topics=[energy])
    pinned = make_article(title="Gas pipeline exports to Europe", topics=[energy])
    hidden = make_article(title="Gas pipeline prices", topics=[energy])
    refresh_suggestions(article=main)
    change = f"{live_server.url}/admin/articles/article/{main.pk}/change/"

    admin_page.goto(change)
    panel = admin_page.locator("#related-suggestions")
    row = panel.locator("tr.related-suggestion", has_text=pinned.title)
    row.get_by_role("button", name="Pin").click()
    admin_page.wait_for_url(f"{change}#related-suggestions")
    assert "is now a curated related article" in admin_page.content()
    assert RelatedLink.objects.filter(from_article=main, to_article=pinned).exists()

    row = admin_page.locator("#related-suggestions tr.related-suggestion", has_text=hidden.title)
    row.get_by_role("button", name="Hide").click()
    admin_page.wait_for_url(f"{change}#related-suggestions")
    assert HiddenSuggestion.objects.filter(article=main, hidden=hidden).exists()
    ARTIFACTS.mkdir(exist_ok=True)
    admin_page.locator("#related-suggestions").screenshot(
        path=str(ARTIFACTS / "related-admin-panel.png")
    )
