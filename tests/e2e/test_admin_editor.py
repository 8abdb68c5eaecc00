"""The admin's rich-text editor loads under the site's Content-Security-Policy and saves clean HTML."""

import pytest

from articles.models import Article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rich_text_editor_runs_under_the_csp_and_its_output_is_saved(admin_page, live_server):
    violations = []
    admin_page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    admin_page.goto(f"{live_server.url}/admin/articles/article/add/")

    editor = admin_page.locator(".field-body .ProseMirror >> visible=true")
    editor.wait_for(timeout=15_000)
    editor.click()
    admin_page.keyboard.type("Typed in the rich-text editor.")
    admin_page.fill("#id_title", "Written in the browser")
    admin_page.click("input[name=_save]")
    admin_page.wait_for_url("**/admin/articles/article/*/change/")

    assert violations == []
    article = Article.objects.get(title="Written in the browser")
    assert "<p>Typed in the rich-text editor.</p>" in article.body
