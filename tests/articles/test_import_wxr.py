"""Importing WordPress exports (WXR) with `manage.py import_articles`."""

import shutil
import threading
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles.importers import media
from articles.models import Article, Author, Image, LegacyPath, Topic
from related.models import Suggestion
from tests.articles.importing import run_import
from tests.factories import image_bytes, make_renditions_now

DATA = Path(__file__).resolve().parent.parent / "data" / "import"
SITE_WXR = DATA / "site.wxr"

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploads(tmp_path):
    """A copy of the WordPress uploads folder: the harbour photo only (the chart is missing)."""
    folder = tmp_path / "uploads"
    (folder / "2024" / "03").mkdir(parents=True)
    (folder / "2024" / "03" / "harbour.jpg").write_bytes(image_bytes(size=(800, 450)))
    return folder


@pytest.fixture
def imported(uploads):
    return run_import(SITE_WXR, media_dir=str(uploads))


def article(slug):
    return Article.objects.get(slug=slug)


def test_statuses_map_to_the_workflow(imported):
    assert article("ferries-freight-alat").is_live
    assert article("grain-caspian-preview").is_scheduled
    assert article("notes-toward-a-ferry-strategy").status == Article.Status.DRAFT
    assert article("rail-gauges").status == Article.Status.IN_REVIEW
    private = article("internal-memo-port-fees")
    assert private.status == Article.Status.DRAFT
    assert not Article.objects.published().filter(pk=private.pk).exists()
    assert not Article.objects.filter(title="Deleted Draft").exists()
    assert "item 7 (post 107 “Deleted Draft”): status “trash” is not imported" in imported
    assert "private post imported as a draft (not public)" in imported


def test_dates_come_from_gmt_fields_and_zero_dates_mean_no_date(imported):
    # The site ran at UTC+4: post_date 13:30 local is 09:30 GMT.
    assert article("ferries-freight-alat").published_at == datetime(2024, 3, 5, 9, 30, tzinfo=UTC)
    assert article("grain-caspian-preview").published_at == datetime(2099, 1, 1, 8, tzinfo=UTC)
    assert article("notes-toward-a-ferry-strategy").published_at is None


def test_slugs_come_from_post_names_or_else_titles(imported):
    assert Article.objects.filter(slug="tariffs-trans-caspian").exists()
    assert article("notes-toward-a-ferry-strategy").title == "Notes Toward a Ferry Strategy"


def test_authors_use_display_names_and_keep_co_authors_in_order(imported):
    assert [a.name for a in article("ferries-freight-alat").ordered_authors] == [
        "Nadia Karimova",
        "Peter Wells",
    ]
    # Co-Authors Plus terms (<category domain="author">) name the co-authors.
    assert [a.name for a in article("tariffs-trans-caspian").ordered_authors] == [
        "Orkhan Aliyev",
        "Nadia Karimova",
    ]
    assert Author.objects.count() == 3
    assert Author.objects.get(name="Peter Wells").import_key.endswith(":author:pwells")


def test_categories_and_tags_become_topics_without_uncategorized(imported):
    assert sorted(Topic.objects.values_list("name", "kind")) == [
        ("Middle Corridor", "topic"),
        ("Ports & Shipping", "topic"),
    ]
    assert Topic.objects.get(name="Ports & Shipping").description.startswith("Harbours")
    assert [t.name for t in article("ferries-freight-alat").topic_list] == [
        "Middle Corridor",
        "Ports & Shipping",
    ]


def test_featured_image_from_the_media_folder_becomes_the_hero_image(imported, client):
    hero = make_renditions_now(article("ferries-freight-alat").hero_image)  # the queued job
    assert hero.alt_text == "Container cranes over the quay at Alat"
    assert hero.caption == "Cranes over the new quay at dawn"
    assert (hero.width, hero.height) == (800, 450)
    assert hero.renditions
    assert hero.file.storage.exists(hero.file.name)
    page = client.get("/articles/ferries-freight-alat/").content.decode()
    assert hero.file.url in page
    assert 'alt="Container cranes over the quay at Alat"' in page


def test_images_in_the_body_point_at_the_imported_copy(imported):
    hero = article("ferries-freight-alat").hero_image
    # The resized "-300x169" variant and the original both map to the imported image.
    assert f'src="{hero.file.url}"' in article("ferries-freight-alat").body
    assert f'src="{hero.file.url}"' in article("tariffs-trans-caspian").body
    assert "old.example.org/wp-content" not in article("tariffs-trans-caspian").body


def test_a_missing_media_file_is_reported_and_the_article_still_imported(imported):
    tariffs = article("tariffs-trans-caspian")
    assert tariffs.hero_image is None
    assert Image.objects.count() == 1
    assert "images: 1 created, 0 updated, 0 unchanged, 0 skipped, 1 failed" in imported
    assert (
        "site.wxr, attachment 202 (2024/01/tariff-chart.png): image file missing: "
        "2024/01/tariff-chart.png"
    ) in imported
    assert "imported without its featured image" in imported


def test_a_media_file_is_downloaded_from_its_url_when_no_local_copy_exists(tmp_path, monkeypatch):
    # The test server is on this machine, which downloads never reach: let it count as public.
    monkeypatch.setattr(media, "public_address", lambda ip: ip == "127.0.0.1")
    served = tmp_path / "served" / "wp-content" / "uploads" / "2024" / "01"
    served.mkdir(parents=True)
    (served / "tariff-chart.png").write_bytes(image_bytes("PNG", size=(640, 360)))
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "served"))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        wxr = tmp_path / "site.wxr"
        wxr.write_text(
            SITE_WXR.read_text().replace("127.0.0.1:9", f"127.0.0.1:{server.server_port}")
        )
        report = run_import(wxr)
    finally:
        server.shutdown()
        server.server_close()
    hero = article("tariffs-trans-caspian").hero_image
    assert (hero.width, hero.height) == (640, 360)
    assert hero.file.name.endswith(".png")
    # Without --media-dir the harbour photo is fetched from old.example.org, which is
    # unreachable here: reported, and its article imported all the same.
    assert (
        "attachment 201 (2024/03/harbour.jpg): image file missing: 2024/03/harbour.jpg (no --media-dir given; "
        in report
    )
    assert article("ferries-freight-alat").hero_image is None


def test_block_comments_go_captions_become_figures_other_shortcodes_are_dropped(imported):
    body = article("ferries-freight-alat").body
    assert "wp:" not in body
    assert "<figcaption>Cranes over the new quay at dawn</figcaption></figure>" in body
    assert "<figure><img" in body
    assert "[gallery" not in body
    # The gallery (attachments 201 and 202) is a figure of both images, in their order.
    gallery = body.split("<figure>")[2].split("</figure>")[0]
    assert gallery.count("<img") == 2
    assert 'alt="Container cranes over the quay at Alat"' in gallery
    assert "[caption" not in body
    assert "bottleneck [sic] for freight" in body  # prose in brackets is not a shortcode
    assert "<script" not in body
    assert "onclick" not in body
    assert "dropped shortcodes" not in imported  # the gallery is kept


def test_classic_editor_text_gets_paragraphs(imported):
    assert article("notes-toward-a-ferry-strategy").body == (
        "<p>First classic-editor paragraph, no tags at all.<br>\n"
        "It continues on a second line.</p>\n<p>Second paragraph after a blank line.</p>"
    )


def test_excerpts_become_summaries(imported):
    assert article("ferries-freight-alat").summary == (
        "Why the Alat harbour matters for trans-Caspian freight."
    )


def test_comments_menus_pages_and_other_attachments_are_ignored_and_counted(imported):
    assert (
        "ignored: 2 comments, 1 menu items, 1 menus, 1 non-image attachments, 1 page items"
        in imported
    )
    assert not Article.objects.filter(title__in=["About the Institute", "Home"]).exists()


def test_old_permalinks_redirect_permanently_to_the_new_address(imported, client):
    response = client.get("/2024/03/ferries-freight-alat/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/ferries-freight-alat/"
    assert LegacyPath.objects.filter(article=article("tariffs-trans-caspian")).count() == 1
    # ?p=123 links are not paths and are not stored.
    assert not LegacyPath.objects.filter(path="/").exists()


def test_a_failing_post_is_reported_with_its_position_and_the_others_import(imported):
    assert (
        "site.wxr, item 8 (post 108 “A Post With a Broken Date”): invalid date "
        "“2024-13-45 99:00:00”"
    ) in imported
    assert "articles: 6 created, 0 updated, 0 unchanged, 1 skipped, 1 failed" in imported
    assert not Article.objects.filter(slug="broken-date").exists()


def test_wxr_1_1_files_import():
    report = run_import(DATA / "wxr-1.1.xml")
    wind = article("wind-farms-steppe")
    assert wind.published_at == datetime(2019, 6, 12, 7, tzinfo=UTC)
    assert [a.name for a in wind.ordered_authors] == ["Aigerim Sadykova"]
    assert [t.name for t in wind.topic_list] == ["Energy"]
    assert wind.summary == "Wind capacity on the steppe, in brief."
    assert wind.body.count("<p>") == 2
    assert "articles: 1 created" in report


def test_running_the_same_import_again_changes_nothing(imported, uploads):
    history_rows = Article.history.count()
    versions = dict(Article.objects.values_list("slug", "version"))
    report = run_import(SITE_WXR, media_dir=str(uploads))
    assert "all items: 0 created, 0 updated, 7 unchanged, 1 skipped, 2 failed" in report
    assert Article.history.count() == history_rows
    assert dict(Article.objects.values_list("slug", "version")) == versions
    assert Image.objects.count() == 1


def test_a_changed_post_updates_its_article_with_an_import_revision(imported, uploads, publisher):
    changed = uploads.parent / "changed.wxr"
    changed.write_text(
        SITE_WXR.read_text()
        .replace("Ferry schedules remain the bottleneck", "Ferry timetables remain the bottleneck")
        .replace('<dc:creator><![CDATA[pwells]]></dc:creator>\n\t\t<guid isPermaLink="false">'
                 "https://old.example.org/?p=101", '<guid isPermaLink="false">'
                 "https://old.example.org/?p=101")
    )  # fmt: skip
    report = run_import(changed, media_dir=str(uploads), user="publisher")
    assert "articles: 0 created, 1 updated, 5 unchanged" in report
    ferries = article("ferries-freight-alat")
    assert "Ferry timetables remain" in ferries.body
    assert [a.name for a in ferries.ordered_authors] == ["Nadia Karimova"]
    latest = ferries.history.order_by("-history_id").first()
    assert latest.history_change_reason == "import"
    assert latest.history_user == publisher
    assert ferries.history.count() == 2
    assert [r["author"] for r in latest.inline_state["authors"]] == [
        Author.objects.get(name="Nadia Karimova").pk
    ]


def test_on_existing_skip_leaves_imported_articles_alone(imported, uploads):
    changed = uploads.parent / "changed.wxr"
    changed.write_text(SITE_WXR.read_text().replace("container traffic", "bulk traffic"))
    report = run_import(changed, media_dir=str(uploads), on_existing="skip")
    assert "articles: 0 created, 0 updated, 0 unchanged, 7 skipped, 1 failed" in report
    assert "already imported (--on-existing skip)" in report
    assert "container traffic" in article("ferries-freight-alat").body


def test_dry_run_writes_nothing_and_prints_the_same_report(uploads, settings):
    dry = run_import(SITE_WXR, media_dir=str(uploads), dry_run=True)
    assert dry.startswith("Import report (dry run: nothing was written)")
    assert Article.objects.count() == 0
    assert Article.history.count() == 0
    assert Author.objects.count() == Topic.objects.count() == Image.objects.count() == 0
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.*"))
    real = run_import(SITE_WXR, media_dir=str(uploads))
    assert dry.splitlines()[1:] == real.splitlines()[1:]
    assert Article.objects.count() == 6


def test_revisions_name_the_system_user_without_user_option(imported):
    row = article("ferries-freight-alat").history.get()
    assert row.history_change_reason == "import"
    assert row.history_user.username == "system"


def test_each_new_article_has_one_import_revision_with_its_authors_and_topics(imported):
    from articles.revisions import inline_state

    for imported_article in Article.objects.all():
        row = imported_article.history.get()
        assert (row.history_type, row.history_change_reason) == ("+", "import")
        assert row.inline_state == inline_state(imported_article)
        assert row.title == imported_article.title
    ferries = article("ferries-freight-alat").history.get().inline_state
    assert [r["label"] for r in ferries["authors"]] == ["Nadia Karimova", "Peter Wells"]
    assert [r["label"] for r in ferries["topics"]] == ["Middle Corridor", "Ports & Shipping"]


def test_unknown_user_is_refused_before_anything_is_written():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named “nobody”"):
        run_import(SITE_WXR, user="nobody")
    assert Article.objects.count() == 0


def queued_jobs():
    return [
        (job.task_path, job.args_kwargs["args"])
        for job in DBTaskResult.objects.filter(status=TaskResultStatus.READY).order_by(
            "enqueued_at"
        )
    ]


PUBLISHED = ["ferries-freight-alat", "grain-caspian-preview", "tariffs-trans-caspian"]


@pytest.mark.django_db(transaction=True)  # the jobs run after the import's commits
def test_published_imports_refresh_related_suggestions(uploads, run_tasks):
    run_import(SITE_WXR, media_dir=str(uploads))

    published = sorted(Article.objects.filter(slug__in=PUBLISHED).values_list("pk", flat=True))
    assert len(published) == 3
    # One job for the whole import (its own writes queue none), for the published articles.
    refreshes = [job for job in queued_jobs() if job[0].startswith("related.")]
    assert refreshes == [("related.tasks.refresh_suggestions", [published])]
    assert not Suggestion.objects.exists()

    run_tasks()
    assert set(Suggestion.objects.values_list("article_id", flat=True)) == set(published)


@pytest.mark.django_db(transaction=True)
def test_large_imports_leave_suggestions_to_one_rebuild_job(uploads, monkeypatch, run_tasks):
    from related import tasks

    monkeypatch.setattr(tasks, "IMPORT_REFRESH_LIMIT", 2)
    run_import(SITE_WXR, media_dir=str(uploads))

    refreshes = [job for job in queued_jobs() if job[0].startswith("related.")]
    assert refreshes == [("related.tasks.rebuild_all_suggestions", [])]

    run_tasks()
    # The rebuild covers every article, drafts included (for their preview).
    assert set(Suggestion.objects.values_list("article_id", flat=True)) == set(
        Article.objects.values_list("pk", flat=True)
    )


def test_large_imports_show_a_progress_bar(tmp_path):
    item = SITE_WXR.read_text().split("<item>")[2].split("</item>")[0]
    items = "".join(
        "<item>" + item.replace("?p=102", f"?p={1000 + n}").replace(
            "grain-caspian-preview", f"grain-{n}"
        ) + "</item>"
        for n in range(120)
    )  # fmt: skip
    head, _, _ = SITE_WXR.read_text().partition("<item>")
    big = tmp_path / "big.wxr"
    big.write_text(head + items + "</channel></rss>")
    err = StringIO()
    call_command("import_articles", str(big), stdout=StringIO(), stderr=err)
    assert "Importing: 100%|" in err.getvalue()
    assert "| 120/120 [" in err.getvalue()
    assert Article.objects.count() == 120


def test_a_folder_imports_every_export_in_it(tmp_path, uploads):
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(SITE_WXR, folder / "site.wxr")
    shutil.copy(DATA / "wxr-1.1.xml", folder / "older.xml")
    report = run_import(folder, media_dir=str(uploads))
    assert "articles: 7 created" in report
