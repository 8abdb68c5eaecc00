"""A reader's path through the site in a real browser: home, article, author, topic, search."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services
from articles.revisions import system_user
from tests.factories import link, make_article, make_author, make_draft, make_image, make_topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def content():
    author = make_author(
        name="Tamar Beridze", slug="tamar", bio="Tamar follows peace negotiations."
    )
    topic = make_topic(name="South Caucasus", slug="south-caucasus", kind="region")
    article = make_article(
        title="Drawing the line: border commissions in the South Caucasus",
        slug="drawing-the-line",
        dek="Delimitation is slow, technical and essential",
        summary="Border commissions meet monthly; their maps decide villages' futures.",
        body="<p>The commissions have met ten times this year.</p>"
        "<h2>Why maps matter</h2><p>Roads, pastures and water intakes cross the line.</p>",
        authors=[author, make_author(name="Lena Hartmann", slug="lena")],
        topics=[topic],
        hero_image=make_image(
            alt_text="Surveyors with a theodolite on a hillside",
            caption="Surveyors at work.",
            credit="example.org (2024)",
            credit_url="https://example.org/photo",
        ),
    )
    article.body = article.body.replace("ten times", "eleven times")
    services.save_article(
        article=article,
        user=system_user(),
        edited_version=article.version,
        inlines={
            "sources": [
                {"order": 0, "title": "Commission communiqué", "url": "https://example.org/c"}
            ]
        },
        correction="The number of meetings was corrected.",
    )
    older = make_article(
        title="Pastures and water intakes along the border",
        slug="pastures",
        summary="Herders cross twice a year.",
        topics=[topic],
        authors=[author],
        published_at=timezone.now() - timedelta(days=3),
    )
    link(article, older)
    make_draft(title="Unfinished delimitation draft", topics=[topic], authors=[author])
    return article


def test_reader_follows_home_article_author_topic_and_search(
    browser, live_server, content, artifacts_dir
):
    console_errors = []
    page = browser.new_page(viewport=DESKTOP)
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    page.goto(live_server.url + "/")
    assert page.locator("h1").count() == 1
    page.get_by_role(
        "link", name="Drawing the line: border commissions in the South Caucasus"
    ).click()

    page.wait_for_url("**/articles/drawing-the-line/")
    assert page.locator("h1").inner_text() == (
        "Drawing the line: border commissions in the South Caucasus"
    )
    assert page.get_by_text("Delimitation is slow, technical and essential").is_visible()
    assert page.get_by_text("Image source:").is_visible()
    assert page.get_by_role("heading", name="Sources").is_visible()
    assert page.get_by_role("heading", name="Related Articles").is_visible()
    assert page.get_by_role("heading", name="Cite this article").is_visible()
    assert page.get_by_text("The number of meetings was corrected.").is_visible()
    assert (
        page.locator("#cite-chicago").inner_text().startswith("Beridze, Tamar, and Lena Hartmann.")
    )
    page.screenshot(path=str(artifacts_dir / "article-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts_dir / "article-phone.png"), full_page=True)
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)

    page.locator(".byline").get_by_role("link", name="Tamar Beridze").click()
    page.wait_for_url("**/authors/tamar/")
    assert page.locator("h1").inner_text() == "Tamar Beridze"
    assert page.get_by_text("Tamar follows peace negotiations.").is_visible()
    assert page.get_by_role("link", name="Pastures and water intakes along the border").is_visible()
    assert page.get_by_text("Unfinished delimitation draft").count() == 0

    page.go_back()
    page.wait_for_url("**/articles/drawing-the-line/")
    page.locator(".kicker").get_by_role("link", name="South Caucasus").click()
    page.wait_for_url("**/topics/south-caucasus/")
    assert page.locator("h1").inner_text() == "South Caucasus"
    assert page.locator(".card").count() == 2

    page.get_by_role("searchbox", name="Search articles").first.fill("herders")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=herders")
    assert "herders" in page.locator("h1").inner_text()
    results = page.locator(".result-list .card")
    assert results.count() >= 1
    assert results.first.locator("mark").count() >= 1

    page.goto(live_server.url + "/search/?q=qqqzzzxxx")
    assert page.get_by_text("No articles match").is_visible()

    assert not [e for e in console_errors if "Content Security Policy" in e]


def test_keyboard_user_can_skip_to_content_and_sees_focus(browser, live_server, content):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(live_server.url + "/articles/drawing-the-line/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_article_prints_with_its_sources_and_without_navigation(browser, live_server, content):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(live_server.url + "/articles/drawing-the-line/")
    page.emulate_media(media="print")
    assert page.get_by_role("heading", name="Sources").is_visible()
    assert not page.locator(".site-header nav").is_visible()
    assert not page.locator(".related").is_visible()
    assert not page.locator("form.search-form").first.is_visible()
