"""Hostile, malformed and huge inputs: refused clearly, never half-imported, bounded memory."""

import gc
import json
import tracemalloc
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from articles import importers
from articles.importers.wxr import WxrFile
from articles.models import Article, Author, Image, Topic
from tests.articles.importing import run_import

DATA = Path(__file__).resolve().parent.parent / "data" / "import"
SITE_WXR = DATA / "site.wxr"

pytestmark = pytest.mark.django_db

WXR_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/"
 xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/">
<channel><title>Test</title><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://big.example</wp:base_site_url>
"""


def post_xml(n, *, title=None, creator="editor", body=None):
    return f"""<item><title><![CDATA[{title or f"Post number {n}"}]]></title>
<link>https://big.example/{n}/</link><dc:creator><![CDATA[{creator}]]></dc:creator>
<guid isPermaLink="false">https://big.example/?p={n}</guid>
<content:encoded><![CDATA[{body or f"<p>Body of post {n}.</p>"}]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded><wp:post_id>{n}</wp:post_id>
<wp:post_date_gmt>2024-01-02 03:04:05</wp:post_date_gmt><wp:post_name>post-{n}</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>
"""


def assert_nothing_written():
    assert Article.objects.count() == 0
    assert Author.objects.count() == Topic.objects.count() == Image.objects.count() == 0


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss><channel><item><title>&lol9;</title></item></channel></rss>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&secret;</title></item></channel></rss>
"""


def test_an_entity_expansion_bomb_is_refused_naming_the_file(tmp_path):
    bomb = tmp_path / "laughs.xml"
    bomb.write_text(BILLION_LAUGHS)
    with pytest.raises(CommandError) as refused:
        run_import(bomb)
    message = str(refused.value)
    assert "Import refused, nothing was written" in message
    assert str(bomb) in message
    assert "EntitiesForbidden" in message
    assert_nothing_written()


def test_an_external_entity_is_refused(tmp_path):
    hostile = tmp_path / "xxe.xml"
    hostile.write_text(EXTERNAL_ENTITY)
    with pytest.raises(CommandError, match="refused unsafe XML"):
        run_import(hostile, format="wxr")
    assert_nothing_written()


def test_a_malformed_file_is_refused_with_its_line_and_nothing_before_the_error_is_kept(tmp_path):
    text = SITE_WXR.read_text()
    broken_at = text.index("<wp:post_id>106</wp:post_id>")
    broken = tmp_path / "broken.wxr"
    broken.write_text(text[:broken_at] + "<wp:post_id>106</wp:post_idd>" + text[broken_at + 28 :])
    line = text[:broken_at].count("\n") + 1
    with pytest.raises(CommandError) as refused:
        run_import(broken)
    assert f"broken.wxr: malformed XML at line {line}, column" in str(refused.value)
    assert "mismatched tag" in str(refused.value)
    assert_nothing_written()  # posts 101–105 come before the error: none is kept


def test_xml_that_is_not_a_wordpress_export_is_refused(tmp_path):
    page = tmp_path / "page.xml"
    page.write_text("<html><body><p>Hello</p></body></html>")
    with pytest.raises(CommandError, match="page.xml: not a WordPress export"):
        run_import(page)


def test_a_file_of_unknown_format_is_refused(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Shopping list\n\nmilk\n")
    with pytest.raises(CommandError, match="notes.txt: unknown format"):
        run_import(notes)


def test_a_missing_path_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no such file or folder"):
        run_import(tmp_path / "nowhere.wxr")


def test_a_bad_file_among_good_ones_refuses_the_whole_run(tmp_path):
    bomb = tmp_path / "laughs.xml"
    bomb.write_text(BILLION_LAUGHS)
    with pytest.raises(CommandError):
        run_import(SITE_WXR, bomb)
    assert_nothing_written()


def test_malformed_json_is_refused_with_its_position(tmp_path):
    export = tmp_path / "export.json"
    export.write_text('{"format": "cpc-site-content",\n "version": 1,\n "articles": [}')
    with pytest.raises(CommandError, match=r"export.json: malformed JSON at line 3, column 15"):
        run_import(export)


def test_json_that_is_not_a_content_export_is_refused(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(CommandError, match="JSON, but neither a site export"):
        run_import(other)


def test_a_failing_item_leaves_nothing_half_written(tmp_path):
    wxr = tmp_path / "mixed.wxr"
    wxr.write_text(
        WXR_HEAD
        + post_xml(1)
        + post_xml(2, title="A" * 400, creator="ghost")  # a new author, then a bad title
        + post_xml(3)
        + "</channel></rss>"
    )
    report = run_import(wxr)
    assert "articles: 2 created, 0 updated, 0 unchanged, 0 skipped, 1 failed" in report
    assert "mixed.wxr, item 2 (post 2 “AAAA" in report
    assert "title: Ensure this value has at most 300 characters (it has 400)." in report
    assert not Author.objects.filter(name="ghost").exists()  # rolled back with its item
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["post-1", "post-3"]


def test_a_dry_run_leaves_no_trace_not_even_the_system_user():
    run_import(SITE_WXR, dry_run=True)
    assert_nothing_written()
    assert not get_user_model().objects.filter(username="system").exists()


def test_reading_a_large_export_keeps_memory_bounded(tmp_path):
    """Both streaming passes hold one item at a time (bench/ measures 50 MB end to end)."""
    body = "<p>" + "Freight and ferries across the Caspian. " * 100 + "</p>"
    big = tmp_path / "big.wxr"
    with big.open("w") as handle:
        handle.write(WXR_HEAD)
        for n in range(1500):
            handle.write(post_xml(n, body=body))
        handle.write("</channel></rss>")
    size = big.stat().st_size
    assert size > 6_000_000
    tracemalloc.start()
    try:
        source = WxrFile(big)
        source.scan()
        count = sum(1 for _ in source.articles())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 1500
    assert peak < 1_000_000, f"peak {peak:,} bytes for a {size:,}-byte file"


def attachment_xml(n):
    return f"""<item><title>photo-{n}</title><link>https://big.example/?attachment_id={n}</link>
<guid isPermaLink="false">https://big.example/wp-content/uploads/2024/01/photo-{n}.jpg</guid>
<wp:post_id>{n}</wp:post_id><wp:post_parent>{n + 1}</wp:post_parent>
<wp:post_type>attachment</wp:post_type><wp:post_mime_type>image/jpeg</wp:post_mime_type>
<wp:attachment_url>https://big.example/wp-content/uploads/2024/01/photo-{n}.jpg</wp:attachment_url>
<excerpt:encoded><![CDATA[A harbour at dawn]]></excerpt:encoded>
<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key><wp:meta_value>2024/01/photo-{n}.jpg</wp:meta_value></wp:postmeta>
<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>Cranes over the quay</wp:meta_value></wp:postmeta>
</item>
"""


def test_an_export_s_image_attachments_are_kept_small_until_their_items_are_written(tmp_path):
    """The first pass keeps every attachment (a post's featured image may come after it) as
    a tuple; its ImageItem is made only while the images are written (this file's items
    held 3.4 kB each, about 860 bytes now)."""
    big = tmp_path / "images.wxr"
    with big.open("w") as handle:
        handle.write(WXR_HEAD)
        for n in range(1, 4001, 2):
            handle.write(attachment_xml(n))
        handle.write("</channel></rss>")
    tracemalloc.start()
    try:
        source = WxrFile(big)
        source.scan()
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(source.images) == 2000
    assert kept / 2000 < 1500, f"{kept / 2000:.0f} bytes per image attachment"
    item = next(iter(source.image_items()))
    assert item.position == "images.wxr, attachment 1 (2024/01/photo-1.jpg)"
    assert item.fields == {"alt_text": "Cranes over the quay", "caption": "A harbour at dawn"}
    assert item.candidates == [
        "2024/01/photo-1.jpg",
        "wp-content/uploads/2024/01/photo-1.jpg",
        "photo-1.jpg",
    ]
    assert len(source.image_items()) == 2000


def test_each_batch_s_reference_cycles_are_freed_before_the_next_batch(tmp_path, monkeypatch):
    """A batch's model instances and querysets refer to each other: left to Python's rare
    full collections, they piled up batch after batch in a large import."""
    monkeypatch.setattr(importers, "COMMIT_EVERY", 10)
    export = tmp_path / "posts.wxr"
    export.write_text(WXR_HEAD + "".join(post_xml(n) for n in range(1, 31)) + "</channel></rss>")
    full_collections = []

    def seen(phase, info):
        if phase == "stop" and info["generation"] == 2:
            full_collections.append(info)

    gc.callbacks.append(seen)
    try:
        report = run_import(export)
    finally:
        gc.callbacks.remove(seen)
    assert "30 created" in report
    assert len(full_collections) >= 3  # one after each batch, at least
    assert gc.get_freeze_count() == 0  # what the import froze is collectable again
