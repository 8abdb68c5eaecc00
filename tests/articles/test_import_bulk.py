"""Large imports: a bounded number of queries per post, and the write path's results (one
revision and one change-log event per article, search vectors naming the authors) right
after the import. The export is the benchmark's generator (`bench.import_wxr`), smaller."""

import io
import os
import re
import threading
from pathlib import Path

import PIL.Image
import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles.importers import ahead, base, vectors
from articles.models import Article, ContentChange, Image
from articles.tasks import RENDITIONS_BATCH
from bench.import_wxr import write_export, write_media
from tests.articles.importing import run_import

pytestmark = pytest.mark.django_db

POSTS = 120  # two batches of the importer (COMMIT_EVERY = 100)


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "bench.wxr"
    write_export(path, posts=POSTS)
    write_media(tmp_path / "uploads", POSTS)
    return path, tmp_path / "uploads"


def import_export(export):
    path, uploads = export
    return run_import(path, media_dir=str(uploads))


def test_an_import_needs_less_than_one_query_per_post_and_image(export):
    with CaptureQueriesContext(connection) as queries:
        report = import_export(export)
    assert f"{POSTS * 2} created" in report
    # Creating each of the 20 authors and 55 topics the first time takes a few queries (its
    # own savepoint, slug and history); everything else (images, articles, bylines, topics,
    # history, change log, jobs) is written with a few statements per batch, never per post.
    per_post = [
        query["sql"]
        for query in queries.captured_queries
        if not re.search(r"articles_(historical)?(author|topic)\b|SAVEPOINT", query["sql"])
    ]
    assert len(per_post) < POSTS


def test_every_imported_article_has_one_revision_and_one_change_log_event(export):
    import_export(export)
    articles = Article.objects.all()
    assert articles.count() == POSTS
    revisions = Article.history.values_list("id", "history_type", "history_change_reason")
    assert sorted(revisions) == sorted(
        (pk, "+", "import") for pk in articles.values_list("pk", flat=True)
    )
    published = articles.filter(status=Article.Status.PUBLISHED)
    events = ContentChange.objects.filter(subject=ContentChange.Subject.ARTICLE)
    assert sorted(events.values_list("object_id", flat=True)) == sorted(
        published.values_list("pk", flat=True)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stored vectors: PostgreSQL")
def test_search_vectors_name_the_authors_right_after_the_import(export):
    import_export(export)  # inside the test's transaction: computed by the writer itself
    assert_search_vectors_right()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stored vectors: PostgreSQL")
@pytest.mark.django_db(transaction=True)  # batches commit: computed beside the import
def test_search_vectors_computed_beside_the_import_are_there_when_it_returns(export):
    import_export(export)
    assert_search_vectors_right()


def assert_search_vectors_right():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE search_vector IS NOT NULL AND "
            "strip(search_vector) = strip(articles_search_document("
            "search_config::regconfig, title, dek, summary, body, id)) AND "
            "strip(search_head) = strip(articles_search_head_document("
            "search_config::regconfig, title, dek, summary, id))) FROM articles_article"
        )
        total, right = cursor.fetchone()
        # The deferral ends with the import's writes: later inserts compute their own.
        cursor.execute("SELECT current_setting('articles.defer_search_vectors', true)")
        deferred = cursor.fetchone()[0]
    assert (total, right) == (POSTS, POSTS)
    assert deferred != "on"
    # Author names are in the vectors (written after the article rows).
    author = Article.objects.filter(article_authors__order=1).first().authors.last()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM articles_article "
            "WHERE search_head @@ phraseto_tsquery(search_config::regconfig, %s)",
            [author.name],
        )
        found = {row[0] for row in cursor.fetchall()}
    assert found == set(
        Article.objects.filter(article_authors__author=author).values_list("pk", flat=True)
    )


def test_renditions_of_imported_images_are_queued_a_batch_at_a_time(export):
    import_export(export)
    jobs = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    single = jobs.filter(task_path="articles.tasks.make_image_renditions")
    batched = [
        job.args_kwargs["args"][0]
        for job in jobs.filter(task_path="articles.tasks.make_renditions_of_images")
    ]
    assert not single.exists()
    assert all(len(group) <= RENDITIONS_BATCH for group in batched)
    assert sorted(job[0] for group in batched for job in group) == sorted(
        Image.objects.values_list("pk", flat=True)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stored vectors: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_vectors_the_side_connection_failed_to_compute_are_computed_before_returning(
    export, monkeypatch
):
    original = vectors.refresh_search_vectors

    def failing_beside(ids):
        if threading.current_thread().name == "import-search-vectors":
            raise OperationalError("connection lost")
        original(ids)

    monkeypatch.setattr(vectors, "refresh_search_vectors", failing_beside)
    import_export(export)
    assert_search_vectors_right()


def jpeg(n):
    buffer = io.BytesIO()
    PIL.Image.new("RGB", (100 + n, 90), (30, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_files_and_posts_read_ahead_in_other_processes_import_the_same(export, monkeypatch):
    readers, original = export[0].parent / "readers", base.read_image_file

    def read_image_file(item, **options):
        with readers.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return original(item, **options)

    monkeypatch.setattr(ahead, "AHEAD_FROM", 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    monkeypatch.setattr(base, "read_image_file", read_image_file)
    path, uploads = export
    for n in range(1, POSTS + 1):  # each file its own width
        (uploads / "2020" / "01" / f"bench-{n}.jpg").write_bytes(jpeg(n))
    dry_run = run_import(path, media_dir=str(uploads), dry_run=True)
    assert f"{POSTS * 2} created" in dry_run
    assert not Image.objects.exists()
    assert not Article.objects.exists()
    readers.unlink()
    report = import_export(export)
    assert f"{POSTS * 2} created" in report
    # One reading process per core, each reading every third file, none read here.
    pids = readers.read_text().split()
    assert str(os.getpid()) not in pids
    assert sorted(pids.count(pid) for pid in set(pids)) == [POSTS // 3] * 3
    assert all(image.file.storage.exists(image.file.name) for image in Image.objects.all())
    # Files read in turns by several processes still reach their own posts.
    heroes = Article.objects.values_list("slug", "hero_image__width")
    assert sorted(heroes) == sorted((f"bench-post-{n}", 100 + n) for n in range(1, POSTS + 1))
    assert not Image.objects.filter(content_hash="").exists()
    # Read in this process, the same export is the same content.
    monkeypatch.setattr(ahead, "AHEAD_FROM", 10**9)
    assert f"{POSTS * 2} unchanged" in import_export(export)


def test_an_image_that_fails_when_read_ahead_is_reported_and_its_post_imported_without_it(
    export, monkeypatch
):
    path, uploads = export
    (uploads / "2020" / "01" / "bench-7.jpg").write_bytes(b"<html>not an image</html>")
    monkeypatch.setattr(ahead, "AHEAD_FROM", 2)
    report = import_export(export)
    assert "images: 119 created, 0 updated, 0 unchanged, 0 skipped, 1 failed" in report
    assert "articles: 120 created" in report
    assert "not a readable image" in report
    assert Article.objects.get(slug="bench-post-7").hero_image is None


def test_a_re_run_that_changes_nothing_needs_no_query_per_post(export):
    import_export(export)
    with CaptureQueriesContext(connection) as queries:
        report = import_export(export)
    assert f"{POSTS * 2} unchanged" in report
    # Per batch: its images, its articles with their inline rows (a dozen queries). The
    # first post naming an author or topic looks it up (in its own savepoint); after that,
    # no savepoint, no image file and no write for an unchanged post or image.
    sql = [query["sql"] for query in queries.captured_queries]
    batches = [q for q in sql if not re.search(r"articles_(author|topic)\b|SAVEPOINT", q)]
    assert len(batches) < 20
    assert sum(q.startswith("SAVEPOINT") for q in sql) < POSTS / 3


def test_a_new_image_read_ahead_alone_in_its_batch_is_stored_once(export, monkeypatch, settings):
    import_export(export)
    for post in (7, 8, 107):  # two new in the first batch of images, one in the second
        Image.objects.filter(import_key__endswith=f"attachment-{POSTS + post}").delete()
    files = {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}
    monkeypatch.setattr(ahead, "AHEAD_FROM", 2)
    report = import_export(export)
    assert "images: 3 created" in report
    added = {p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()} - {
        p.name for p in files
    }
    new = Image.objects.order_by("-pk")[:3]
    assert added == {Path(image.file.name).name for image in new}
