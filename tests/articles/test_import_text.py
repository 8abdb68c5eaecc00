"""Importing page-text exports (one article page per file) with `manage.py import_articles`."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from articles.models import Article, Author, Image
from related.models import PendingRelatedLink, RelatedLink
from tests.articles.importing import run_import
from tests.factories import image_bytes, make_article, make_author

TEXT = Path(__file__).resolve().parent.parent / "data" / "import" / "text"
AKTAU = TEXT / "port-of-aktau.txt"
RAIL = TEXT / "rail-gauges-border.txt"
AKTAU_TITLE = "Aktau's Port and the Trans-Caspian Trade"
RAIL_TITLE = "Rail Gauges at the Chinese Border"

pytestmark = pytest.mark.django_db


def links_by_title():
    return sorted(
        (link.from_article.title, link.to_article.title, link.order)
        for link in RelatedLink.objects.select_related("from_article", "to_article")
    )


def test_a_page_text_becomes_a_published_article():
    report = run_import(AKTAU)
    article = Article.objects.get()
    assert article.title == AKTAU_TITLE
    assert article.slug == "aktaus-port-and-the-trans-caspian-trade"
    assert article.is_live
    assert abs(article.published_at - timezone.now()) < timedelta(minutes=1)
    assert article.body.count("<p>") == 3  # three paragraphs (the credit is not body text)
    assert "<p>Aktau handles a growing share" in article.body
    assert "Harbour Policy Institute" not in article.body  # the site name line is not content
    assert "Related Articles" not in article.body
    assert "articles: 1 created" in report


def test_several_authors_on_one_line_or_on_several_lines_keep_their_order():
    run_import(AKTAU, RAIL)
    aktau = Article.objects.get(title=AKTAU_TITLE)
    rail = Article.objects.get(title=RAIL_TITLE)
    assert [a.name for a in aktau.ordered_authors] == ["Nadia Karimova", "Peter Wells"]
    assert [a.name for a in rail.ordered_authors] == ["Orkhan Aliyev", "Leyla Mammadova"]


def test_existing_authors_are_reused_by_name():
    existing = make_author(name="Peter Wells", role="Senior Fellow")
    run_import(AKTAU)
    assert Article.objects.get().ordered_authors[1] == existing
    assert Author.objects.count() == 2


def test_image_source_becomes_the_hero_credit_when_the_image_file_is_supplied(tmp_path, client):
    media = tmp_path / "pages"
    media.mkdir()
    (media / "port-of-aktau.jpg").write_bytes(image_bytes(size=(1200, 675)))
    run_import(AKTAU, media_dir=str(media))
    article = Article.objects.get()
    assert article.hero_image.credit == "portofaktau.example (2023)"
    assert article.hero_image.alt_text == AKTAU_TITLE
    assert "Image source" not in article.body
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<span class="credit">Image source: portofaktau.example (2023)</span>' in page


def test_an_imported_image_is_re_encoded_under_a_generated_name(tmp_path, settings):
    media = tmp_path / "pages"
    media.mkdir()
    page = b"<html><script>alert(1)</script></html>"
    (media / "port-of-aktau.jpg").write_bytes(image_bytes(size=(1200, 675)) + page)
    run_import(AKTAU, media_dir=str(media))

    hero = Article.objects.get().hero_image
    assert re.fullmatch(r"images/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", hero.file.name)
    assert b"<script" not in (Path(settings.MEDIA_ROOT) / hero.file.name).read_bytes()
    assert hero.content_hash


def test_without_an_image_file_the_credit_stays_on_the_page_and_no_placeholder_is_made(client):
    run_import(AKTAU)
    article = Article.objects.get()
    assert article.hero_image is None
    assert Image.objects.count() == 0
    assert article.image_credit == "portofaktau.example (2023)"
    assert "Image source" not in article.body
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Image source: portofaktau.example (2023)" in page


@pytest.mark.parametrize("order", [(AKTAU, RAIL), (RAIL, AKTAU)], ids=["aktau-first", "rail-first"])
def test_related_articles_link_up_whatever_the_import_order(order):
    for path in order:
        run_import(path)
    assert links_by_title() == [
        (AKTAU_TITLE, RAIL_TITLE, 0),
        (RAIL_TITLE, AKTAU_TITLE, 0),
    ]
    # The fishing article was never imported: its link waits, in its place in the list.
    pending = PendingRelatedLink.objects.get()
    assert (pending.from_article.title, pending.target_title, pending.order) == (
        AKTAU_TITLE,
        "Fishing Quotas in the Northern Caspian",
        1,
    )


def test_a_pending_link_resolves_when_its_article_is_imported_later(tmp_path):
    run_import(AKTAU)
    fishing = tmp_path / "fishing.txt"
    fishing.write_text(
        "Harbour Policy Institute\n\nfishing quotas in the northern caspian\n\n"
        "Fishing Quotas in the Northern Caspian\n\nAuthor: Peter Wells\n\n"
        "The sturgeon agreements date from the nineteen-nineties.\n"
    )
    run_import(fishing)
    assert links_by_title() == [(AKTAU_TITLE, "Fishing Quotas in the Northern Caspian", 1)]
    assert PendingRelatedLink.objects.filter(target_title__startswith="Fishing").count() == 0
    aktau = Article.objects.get(title=AKTAU_TITLE)
    latest = aktau.history.order_by("-history_id").first()
    assert latest.history_change_reason == "import"
    assert [row["order"] for row in latest.inline_state["related"]] == [1]


def test_related_articles_that_already_exist_are_linked_at_once():
    rail = make_article(title=RAIL_TITLE)
    run_import(AKTAU)
    aktau = Article.objects.get(title=AKTAU_TITLE)
    assert list(
        RelatedLink.objects.filter(from_article=aktau).values_list("to_article", "order")
    ) == [(rail.pk, 0)]


def test_the_related_block_on_the_page_shows_the_imported_links(client):
    run_import(AKTAU, RAIL)
    aktau = Article.objects.get(title=AKTAU_TITLE)
    page = client.get(aktau.get_absolute_url()).content.decode()
    assert RAIL_TITLE in page


def test_importing_the_same_page_again_changes_nothing():
    run_import(AKTAU, RAIL)
    rows = Article.history.count()
    published = dict(Article.objects.values_list("slug", "published_at"))
    report = run_import(AKTAU, RAIL)
    assert "articles: 0 created, 0 updated, 2 unchanged" in report
    assert Article.history.count() == rows
    assert dict(Article.objects.values_list("slug", "published_at")) == published


def test_an_edited_page_updates_its_article_with_an_import_revision(tmp_path, publisher):
    run_import(AKTAU)
    edited = tmp_path / "port-of-aktau.txt"
    edited.write_text(
        AKTAU.read_text().replace("doubled the number of berths", "tripled the number of berths")
    )
    report = run_import(edited, user="publisher")
    assert "articles: 0 created, 1 updated" in report
    article = Article.objects.get()
    assert "tripled the number of berths" in article.body
    latest = article.history.order_by("-history_id").first()
    assert (latest.history_change_reason, latest.history_user) == ("import", publisher)
    assert article.history.count() == 2


def test_a_page_dated_in_the_text_keeps_that_date(tmp_path):
    dated = tmp_path / "dated.txt"
    dated.write_text(
        AKTAU.read_text().replace(
            "Author: Nadia Karimova and Peter Wells", "Author: Nadia Karimova\nDate: 2023-10-02"
        )
    )
    run_import(dated)
    assert Article.objects.get().published_at.date().isoformat() == "2023-10-02"


def test_a_text_without_the_layout_is_reported_and_the_others_import(tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_text("Harbour Policy Institute\n\nJust a title\n\nAuthor:\n")
    good = tmp_path / "rail.txt"
    good.write_text(RAIL.read_text())
    report = run_import(broken, good, format="text")
    assert "articles: 1 created, 0 updated, 0 unchanged, 0 skipped, 1 failed" in report
    assert "broken.txt" in report.split("Failed:")[1]
    assert Article.objects.get().title == RAIL_TITLE


def test_a_folder_of_page_texts_imports_in_one_run(client):
    report = run_import(TEXT)
    assert "articles: 2 created" in report
    assert len(links_by_title()) == 2


def test_dry_run_of_page_texts_writes_nothing():
    report = run_import(TEXT, dry_run=True)
    assert "articles: 2 created" in report
    assert Article.objects.count() == Author.objects.count() == 0
    assert RelatedLink.objects.count() == PendingRelatedLink.objects.count() == 0
