"""The editor's desk in a real browser (Debian's chromium): the review workflow, a correction
to a live article through its working copy, autosave surviving a closed tab, Enter never
touching related links, and screenshots of the desk at 1280 and 800 pixels."""

import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from articles.models import Article, Autosave
from related.models import HiddenSuggestion, RelatedLink
from related.services import refresh_suggestions
from tests.factories import link, make_article, make_draft, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-for-e2e-only"


def desk_for(browser, live_server, username, role, width=1280):
    if not Article._meta.apps.get_model("auth", "User").objects.filter(username=username).exists():
        make_user(username, role=role, password=PASSWORD)
    page = browser.new_context(viewport={"width": width, "height": 1400}).new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def change(live_server, article):
    return f"{live_server.url}/admin/articles/article/{article.pk}/change/"


def type_in_body(page, text):
    editor = page.locator(".field-body .ProseMirror >> visible=true")
    editor.wait_for(timeout=15_000)
    editor.click()
    page.keyboard.press("End")
    page.keyboard.type(text)


def press(page, label):
    page.locator(f".desk-buttons input[value^='{label}']").click()
    page.wait_for_load_state("networkidle")


def test_write_submit_request_changes_resubmit_approve(browser, live_server):
    writer = desk_for(browser, live_server, "writer", "Contributor")
    writer.goto(f"{live_server.url}/admin/articles/article/add/")
    writer.fill("#id_title", "Water, power and cotton")
    type_in_body(writer, "Irrigation decides the harvest.")
    press(writer, "Submit for review")
    article = Article.objects.get(title="Water, power and cotton")
    assert article.status == "in_review"

    chief = desk_for(browser, live_server, "chief", "Publisher")
    assert "Water, power and cotton" in chief.locator(".editorial-desk").inner_text()
    chief.goto(change(live_server, article))
    chief.fill("#id_review_comment", "Name the reservoir, please.")
    press(chief, "Request changes")
    article.refresh_from_db()
    assert (article.status, article.review_note) == (
        "changes_requested",
        "Name the reservoir, please.",
    )

    writer.goto(change(live_server, article))
    assert "Name the reservoir, please." in writer.locator(".desk-state").inner_text()
    type_in_body(writer, " The Toktogul reservoir matters most.")
    press(writer, "Submit for review")
    article.refresh_from_db()
    assert article.status == "in_review" and "Toktogul" in article.body

    chief.goto(change(live_server, article))
    press(chief, "Approve and publish")
    article.refresh_from_db()
    assert article.is_live
    reader = browser.new_page()
    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert "Toktogul reservoir" in reader.content()


def test_a_correction_waits_in_the_working_copy_until_a_publisher_publishes_it(
    browser, live_server
):
    article = make_article(title="Grain corridors", body="<p>Exports rose by ten percent.</p>")
    reader = browser.new_page()
    editor = desk_for(browser, live_server, "lena", "Editor")
    editor.goto(change(live_server, article))
    assert "Readers can see this article" in editor.locator(".desk-state").inner_text()
    editor.fill("#id_title", "Grain corridors, corrected")
    press(editor, "Save draft")
    assert "working copy" in editor.locator(".desk-state").inner_text()

    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert "Grain corridors, corrected" not in reader.content()

    chief = desk_for(browser, live_server, "chief", "Publisher")
    chief.goto(change(live_server, article))
    assert chief.input_value("#id_title") == "Grain corridors, corrected"
    chief.fill("#id_change_note", "Corrected the headline")
    press(chief, "Publish")
    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert "Grain corridors, corrected" in reader.content()
    assert not Article.objects.filter(working_copy_of=article).exists()


def test_autosave_survives_closing_the_tab(browser, live_server):
    draft = make_draft(title="Notes")
    editor = desk_for(browser, live_server, "lena", "Editor")
    editor.goto(change(live_server, draft))
    editor.fill("#id_title", "Notes on the ministerial meeting")
    type_in_body(editor, "Typed before the tab was closed.")
    editor.locator(".desk-autosave-status", has_text="Draft kept").wait_for(timeout=15_000)
    for _ in range(30):  # the autosave after the last keystroke has reached the server
        if Autosave.objects.filter(article=draft, data__body__contains="tab was closed").exists():
            break
        time.sleep(0.5)
    session = editor.context  # the same browser, still logged in
    editor.close()  # no save
    assert Article.objects.get(pk=draft.pk).title == "Notes"
    assert Autosave.objects.filter(article=draft).exists()

    again = session.new_page()
    again.goto(change(live_server, draft))
    again.locator(".desk-recover .desk-restore").click()
    assert again.input_value("#id_title") == "Notes on the ministerial meeting"
    assert "Typed before the tab was closed." in again.locator(".field-body .tiptap").inner_text()
    press(again, "Save draft")
    saved = Article.objects.get(pk=draft.pk)
    assert saved.title == "Notes on the ministerial meeting"
    assert "Typed before the tab was closed." in saved.body


def test_enter_in_any_text_field_saves_the_draft_and_never_touches_related_links(
    browser, live_server
):
    energy = make_topic(name="Energy")
    article = make_draft(title="Caspian gas pipeline exports", topics=[energy])
    curated = make_article(title="Curated neighbour", topics=[energy])
    link(article, curated)
    for title in ("Gas pipeline exports to Europe", "Gas pipeline prices"):
        make_article(title=title, topics=[energy])
    refresh_suggestions(article_ids=[article.pk])
    links_before = list(RelatedLink.objects.filter(from_article=article).values_list("to_article"))

    chief = desk_for(browser, live_server, "chief", "Publisher")
    chief.goto(change(live_server, article))
    names = chief.eval_on_selector_all(
        "#article_form input",
        """inputs => inputs.filter(i => ['text', 'url', 'number', 'date', 'time'].includes(i.type)
              && i.name && i.offsetParent !== null).map(i => i.name)""",
    )
    assert {"title", "slug", "dek"} <= set(names)
    for name in names:
        chief.goto(change(live_server, article))
        chief.focus(f"#article_form [name='{name}']")
        try:
            with chief.expect_navigation(timeout=5_000):
                chief.keyboard.press("Enter")  # implicit submission: the first button
        except PlaywrightTimeout:
            pass  # this kind of field does not submit on Enter
        assert (
            list(RelatedLink.objects.filter(from_article=article).values_list("to_article"))
            == links_before
        ), name
        assert not HiddenSuggestion.objects.exists(), name
    assert Article.objects.get(pk=article.pk).status == "draft"


@pytest.mark.parametrize("width", [1280, 800])
def test_screenshots_of_the_desk(browser, live_server, artifacts_dir, width):
    article = make_article(title="Why the Middle Corridor Needs More Than New Rails")
    make_draft(title="Draft: notes on the ministerial meeting")
    chief = desk_for(browser, live_server, "chief", "Publisher", width=width)
    chief.screenshot(path=str(artifacts_dir / f"desk-dashboard-{width}.png"), full_page=True)
    chief.goto(f"{live_server.url}/admin/articles/article/")
    chief.screenshot(path=str(artifacts_dir / f"desk-changelist-{width}.png"))
    chief.goto(change(live_server, article))
    chief.locator(".field-body .ProseMirror >> visible=true").wait_for(timeout=15_000)
    chief.screenshot(path=str(artifacts_dir / f"desk-change-form-{width}.png"))
    # The history and preview links never cover the title.
    title = chief.locator("#content h2").first.bounding_box()
    tools = chief.locator(".object-tools").bounding_box()
    assert tools["y"] + tools["height"] <= title["y"] or title["y"] + title["height"] <= tools["y"]
