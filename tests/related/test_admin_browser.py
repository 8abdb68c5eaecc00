"""One-click Pin and Hide in a real browser: they act at once and keep the form as it is."""

import pytest

from related.models import HiddenSuggestion, RelatedLink
from related.services import refresh_suggestions
from tests.factories import make_article, make_topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_editor_pins_one_suggestion_and_hides_another(admin_page, live_server, artifacts_dir):
    energy = make_topic(name="Energy")
    main = make_article(title="Caspian gas pipeline exports", topics=[energy])
    pinned = make_article(title="Gas pipeline exports to Europe", topics=[energy])
    hidden = make_article(title="Gas pipeline prices", topics=[energy])
    refresh_suggestions(article_ids=[main.pk])
    change = f"{live_server.url}/admin/articles/article/{main.pk}/change/"

    admin_page.goto(change)
    admin_page.fill("#id_dek", "Typed and not saved yet")
    panel = admin_page.locator("#related-suggestions")
    row = panel.locator("tr.related-suggestion", has_text=pinned.title)
    row.get_by_role("button", name=f"Pin “{pinned.title}”").click()
    admin_page.get_by_text("is now a curated related article").wait_for()
    assert RelatedLink.objects.filter(from_article=main, to_article=pinned).exists()
    assert admin_page.input_value("#id_dek") == "Typed and not saved yet"  # the form is kept

    row = admin_page.locator("#related-suggestions tr.related-suggestion", has_text=hidden.title)
    row.get_by_role("button", name=f"Hide “{hidden.title}”").click()
    admin_page.get_by_text("will no longer be suggested").wait_for()
    assert HiddenSuggestion.objects.filter(article=main, hidden=hidden).exists()
    assert admin_page.input_value("#id_dek") == "Typed and not saved yet"
    admin_page.locator(".desk-buttons input[name=_publish]").click()
    admin_page.wait_for_load_state("networkidle")
    main.refresh_from_db()
    assert main.dek == "Typed and not saved yet"  # saved with the version the page was given
    assert RelatedLink.objects.filter(from_article=main, to_article=pinned).exists()
    admin_page.locator("#related-suggestions").screenshot(
        path=str(artifacts_dir / "related-admin-panel.png")
    )
