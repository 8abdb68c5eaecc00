"""Ghost JSON, WordPress REST JSON, CSV and JSON Lines; detection by content; honest outcome."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from articles.importers import detect_format
from articles.models import Article, Image, Topic
from cpc_site.caching import current_generation
from tests.articles.importing import import_status, run_import, table_counts
from tests.factories import image_bytes, make_article

REAL = Path(__file__).resolve().parent.parent / "data" / "import" / "real"

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_dir(tmp_path):
    folder = tmp_path / "content"
    (folder / "images" / "2024" / "05").mkdir(parents=True)
    (folder / "images" / "2024" / "05" / "ferry.jpg").write_bytes(image_bytes(size=(900, 500)))
    (folder / "2024" / "06").mkdir(parents=True)
    (folder / "2024" / "06" / "cable.jpg").write_bytes(image_bytes(size=(700, 400)))
    (folder / "aktau.jpg").write_bytes(image_bytes(size=(600, 400)))
    return folder


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("ghost.json", "ghost"),
        ("wp-rest.json", "wp-rest"),
        ("articles.csv", "csv"),
        ("articles.jsonl", "jsonl"),
        ("theme-unit.xml", "wxr"),
    ],
)
def test_formats_are_detected_by_content(tmp_path, name, kind):
    renamed = tmp_path / "export.dat"  # the suffix says nothing
    shutil.copy(REAL / name, renamed)
    assert detect_format(renamed) == kind


def test_ghost_export(media_dir, client):
    status, report, _ = import_status(REAL / "ghost.json", media_dir=media_dir)
    assert status == 0, report
    assert "articles: 3 created, 0 updated, 0 unchanged, 0 skipped, 0 failed" in report
    assert "ignored: 1 pages" in report
    ferry = Article.objects.get(slug="ferry-tariffs-after-the-summit")
    assert ferry.is_live and ferry.featured
    assert ferry.published_at == datetime(2024, 5, 20, 9, 30, tzinfo=UTC)
    assert [a.name for a in ferry.ordered_authors] == ["Leyla Mammadova", "Tomas Berg"]
    assert [t.name for t in ferry.topics.all()] == ["Shipping"]  # the #internal tag is left out
    assert ferry.body == (
        "<p>Tariffs on the ferry line fell by a third.</p><p>loose closing words</p>"
    )
    assert ferry.summary == "What the summit changed for freight."
    assert ferry.seo_title == "Ferry tariffs after the summit | Institute"
    assert ferry.hero_image.width == 900
    assert ferry.hero_image.alt_text == "A ferry at the quay"
    assert ferry.hero_image.caption == "Photo: Port of Baku (2024)"
    paid = Article.objects.get(slug="members-briefing-port-capacity")
    assert paid.status == Article.Status.DRAFT
    assert "paid post imported as a draft" in report
    assert client.get(paid.get_absolute_url()).status_code == 404
    lexical = Article.objects.get(slug="rail-gauges-lexical-draft")
    assert lexical.body == "<p>Break-of-gauge stations slow every train.</p><p>What next</p>"
    again = run_import(REAL / "ghost.json", media_dir=media_dir)
    assert "articles: 0 created, 0 updated, 3 unchanged" in again


def test_wordpress_rest_json(media_dir):
    status, report, _ = import_status(REAL / "wp-rest.json", media_dir=media_dir)
    assert status == 0, report
    cable = Article.objects.get(slug="caspian-grid-link")
    assert cable.title == "A Grid Link Under the Caspian – Costs and Risks"
    assert cable.featured and cable.is_live
    assert cable.published_at == datetime(2024, 6, 3, 7, 0, tzinfo=UTC)
    assert [a.name for a in cable.authors.all()] == ["Farid Guliyev"]
    assert sorted(t.name for t in cable.topics.all()) == ["Energy", "Subsea cables"]
    assert cable.body == "<p>The cable would run 400 km.</p>"
    assert cable.seo_description == "What a subsea cable would cost."
    assert (cable.hero_image.width, cable.hero_image.caption) == (700, "A cable ship at work")
    protected = Article.objects.get(slug="protected-notes")
    assert protected.status == Article.Status.DRAFT
    assert "password-protected post imported as a draft" in report


def test_csv_rows(media_dir):
    status, report, error = import_status(REAL / "articles.csv", media_dir=media_dir)
    assert status == 2  # one bad date, one image outside the folder
    wheat = Article.objects.get(title="Wheat Through Aktau")
    assert [a.name for a in wheat.ordered_authors] == ["Aida Sultan", "Marc Petit"]
    assert sorted(t.name for t in wheat.topics.all()) == ["Ports", "Trade"]
    assert wheat.body == "<p>First paragraph.</p><p>Second paragraph.</p>"
    assert wheat.hero_image.credit == "president.az (2019)"
    assert wheat.legacy_paths.get().path == "/2024/02/wheat-aktau/"
    assert "articles.csv, row 3" in report and "invalid date “10/02/2024”" in report
    assert "../../etc/passwd (not found in --media-dir" in report
    assert Article.objects.get(title="The Missing Picture").hero_image is None
    assert not Article.objects.filter(title__startswith="Bad Date").exists()


def test_jsonl_lines():
    status, report, _ = import_status(REAL / "articles.jsonl")
    assert status == 0, report
    ferries = Article.objects.get(title="Briefing: Ferries")
    assert ferries.body == "<p>Ferries first.</p>"
    assert ferries.published_at == datetime(2024, 3, 1, 5, 0, tzinfo=UTC)
    rail = Article.objects.get(title="Briefing: Rail")
    assert rail.status == Article.Status.DRAFT
    assert [a.name for a in rail.ordered_authors] == ["Marc Petit", "Aida Sultan"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"hello": "world"}', "JSON, but neither a site export"),
        ('{"title": "ok"}\n{"title": "broken",\n', "line 2 is not JSON"),
        ("[1, 2, 3]", "not a WordPress REST API post list"),
        ('{"db": [{"data": {"users": []}}]}', "a Ghost export without posts"),
        ("title,colour\nA,red\n", "unknown columns colour"),
        ("title;authors;colour\nA;B;red\n", "unknown columns colour"),
        ("Just some words.\n", "unknown format"),
    ],
)
def test_what_cannot_be_read_is_refused_clearly_and_writes_nothing(tmp_path, content, message):
    path = tmp_path / "input.txt"
    path.write_text(content)
    before = table_counts()
    with pytest.raises(CommandError, match=message) as refused:
        run_import(path)
    assert refused.value.returncode == 1
    assert table_counts() == before


def test_a_folder_names_every_refused_file_and_writes_nothing(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(REAL / "articles.jsonl", folder / "good.jsonl")
    (folder / "broken.json").write_text("[1, 2]")
    (folder / "old.xml").write_text("<rss><channel></channel></rss>")
    before = table_counts()
    with pytest.raises(CommandError) as refused:
        run_import(folder)
    message = str(refused.value)
    assert "2 files refused" in message
    assert "broken.json" in message and "old.xml" in message
    assert table_counts() == before


@pytest.mark.django_db(transaction=True)  # real commits: after-commit work would run
def test_a_dry_run_leaves_the_cache_generation_and_every_table_untouched(media_dir):
    generation = current_generation()
    before = table_counts()
    status, report, _ = import_status(REAL / "ghost.json", media_dir=media_dir, dry_run=True)
    assert status == 0
    assert "dry run" in report
    assert table_counts() == before
    assert current_generation() == generation
    assert not Image.objects.exists() and not Topic.objects.exists()


def test_page_texts_whose_titles_differ_by_a_zero_width_space_do_not_merge(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text("Ferries\u200b in Winter\nAuthor: A. Writer\n\nFirst text.\n")
    (folder / "b.txt").write_text("Ferries in Winter\nAuthor: B. Writer\n\nSecond text.\n")
    status, report, _ = import_status(folder)
    assert status == 2
    article = Article.objects.get()
    assert article.title == "Ferries in Winter"  # the invisible character is gone
    assert article.body == "<p>First text.</p>"
    assert "b.txt (“Ferries in Winter”): same title as a.txt" in report


def test_titles_that_clash_in_one_file_and_with_stored_articles_get_their_own_addresses(
    tmp_path,
):
    make_article(title="Caspian gas")  # caspian-gas
    make_article(title="Caspian gas", slug="caspian-gas-2")
    make_article(title="Oil", slug="oil-3")  # a numbered form alone leaves "oil" free
    rows = ["Caspian gas", "Caspian gas", "Caspian gasfield", "Oil", "Oil", "Tariffs"]
    export = tmp_path / "clash.jsonl"
    export.write_text(
        "".join(
            json.dumps(
                {"id": f"row-{n}", "title": title, "date": "2024-03-01", "body_text": "Text."}
            )
            + "\n"
            for n, title in enumerate(rows)
        )
    )
    status, report, _ = import_status(export)
    assert status == 0, report
    assert "articles: 6 created" in report
    imported = Article.objects.filter(import_key__contains="row-").order_by("import_key")
    assert [a.slug for a in imported] == [
        "caspian-gas-3",
        "caspian-gas-4",
        "caspian-gasfield",
        "oil",
        "oil-2",
        "tariffs",
    ]
