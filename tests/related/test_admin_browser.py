"""One-click Pin and Hide in a real browser: the buttons post the article form to their action."""

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
    admin_page.locator("#related-suggestions").screenshot(
        path=str(artifacts_dir / "related-admin-panel.png")
    )
