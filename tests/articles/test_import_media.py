"""Where imported images may come from: inside --media-dir, or public web addresses only.

Hostile addresses are served by a real HTTP server on 127.0.0.1 (an ephemeral port): the
importer must refuse them before connecting, so the server sees no request at all.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from articles.importers import media
from articles.models import Article, Image
from bench.import_wxr import write_export, write_media
from tests.articles.importing import import_status, run_import
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db

PNG = image_bytes("PNG", size=(320, 200))

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="https://wordpress.org/export/1.2/"
 xmlns:excerpt="https://wordpress.org/export/1.2/excerpt/">
<channel><title>Media</title><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://media.example</wp:base_site_url>
"""


def attachment(post_id, *, url="", upload=""):
    meta = (
        f"<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key>"
        f"<wp:meta_value><![CDATA[{upload}]]></wp:meta_value></wp:postmeta>"
        if upload
        else ""
    )
    return f"""<item><title>image {post_id}</title>
<guid isPermaLink="false">https://media.example/?attachment_id={post_id}</guid>
<wp:post_id>{post_id}</wp:post_id><wp:post_type>attachment</wp:post_type>
<wp:post_mime_type>image/png</wp:post_mime_type>
<wp:attachment_url><![CDATA[{url}]]></wp:attachment_url>{meta}</item>
"""


def post(post_id, thumbnail):
    return f"""<item><title>Post {post_id}</title><dc:creator>editor</dc:creator>
<guid isPermaLink="false">https://media.example/?p={post_id}</guid>
<content:encoded><![CDATA[<p>Body {post_id}.</p>]]></content:encoded>
<wp:post_id>{post_id}</wp:post_id><wp:post_date_gmt>2024-01-02 03:04:05</wp:post_date_gmt>
<wp:post_name>post-{post_id}</wp:post_name><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type><wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>
<wp:meta_value>{thumbnail}</wp:meta_value></wp:postmeta></item>
"""


def export(tmp_path, *items):
    path = tmp_path / "media.xml"
    path.write_text(HEAD + "".join(items) + "</channel></rss>")
    return path


class Server:
    """A local HTTP server recording every request; routes map a path to a handler."""

    def __init__(self, routes):
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                routes.get(self.path, _not_found)(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path, host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _not_found(handler):
    handler.send_response(404)
    handler.end_headers()


def _png(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "image/png")
    handler.send_header("Content-Length", str(len(PNG)))
    handler.end_headers()
    handler.wfile.write(PNG)


def _redirect(location):
    def respond(handler):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.end_headers()

    return respond


def _slow(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "image/png")
    handler.end_headers()
    try:
        for byte in PNG[:60]:  # one byte every 0.2 s: 12 s in all
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass


@pytest.fixture
def server():
    routes = {"/image.png": _png, "/slow.png": _slow}
    server = Server(routes)
    server.routes = routes
    yield server
    server.close()


def test_downloads_to_loopback_private_and_other_schemes_are_refused_before_connecting(
    tmp_path, server
):
    port = server.port
    hostile = [
        server.url("/image.png"),
        server.url("/image.png", host="localhost"),
        server.url("/image.png", host="2130706433"),  # 127.0.0.1 in decimal
        server.url("/image.png", host="0x7f000001"),  # and in hex
        server.url("/image.png", host="[::1]"),
        f"http://10.1.2.3:{port}/image.png",
        f"http://192.168.0.10:{port}/image.png",
        "http://169.254.169.254/latest/meta-data/x.png",  # cloud metadata (link-local)
        f"http://224.0.0.1:{port}/x.png",
        f"ftp://127.0.0.1:{port}/image.png",
        "file:///etc/hostname.png",
    ]
    items = [attachment(900 + n, url=url) for n, url in enumerate(hostile)]
    status, report, _ = import_status(export(tmp_path, *items, post(1, 900)))
    assert status == 2
    assert f"images: 0 created, 0 updated, 0 unchanged, 0 skipped, {len(hostile)} failed" in report
    assert server.requests == []
    assert Image.objects.count() == 0
    assert "is not a public address" in report
    assert "not an http(s) address" in report
    assert Article.objects.get(slug="post-1").hero_image is None


def test_a_redirect_to_loopback_or_another_scheme_is_refused(tmp_path, server, monkeypatch):
    # The first hop counts as public (127.0.0.1 stands for a public web server here)...
    monkeypatch.setattr(media, "public_address", lambda ip: ip == "127.0.0.1")
    server.routes["/to-loopback"] = _redirect(server.url("/image.png", host="127.0.0.2"))
    server.routes["/to-ftp"] = _redirect(f"ftp://127.0.0.1:{server.port}/image.png")
    server.routes["/to-image"] = _redirect("/image.png")
    items = [
        attachment(901, url=server.url("/to-loopback")),
        attachment(902, url=server.url("/to-ftp")),
        attachment(903, url=server.url("/to-image")),
    ]
    status, report, _ = import_status(export(tmp_path, *items))
    assert status == 2
    # ... but where it redirects is checked again: another loopback address is refused.
    assert "127.0.0.2 is not a public address" in report
    assert "not an http(s) address: ftp://" in report
    assert "images: 1 created, 0 updated, 0 unchanged, 0 skipped, 2 failed" in report
    assert server.requests == ["/to-loopback", "/to-ftp", "/to-image", "/image.png"]


def test_a_slow_server_cannot_hold_an_item_past_the_total_deadline(tmp_path, server, monkeypatch):
    monkeypatch.setattr(media, "public_address", lambda ip: ip == "127.0.0.1")
    monkeypatch.setattr(media, "DOWNLOAD_DEADLINE_SECONDS", 1)
    started = time.monotonic()
    status, report, _ = import_status(
        export(tmp_path, attachment(901, url=server.url("/slow.png")))
    )
    assert time.monotonic() - started < 5  # the server would take 12 s
    assert status == 2
    assert "download took longer than the deadline" in report


def test_a_download_larger_than_the_cap_is_refused(tmp_path, server, monkeypatch, settings):
    monkeypatch.setattr(media, "public_address", lambda ip: ip == "127.0.0.1")
    settings.IMAGE_MAX_UPLOAD_BYTES = len(PNG) - 1
    status, report, _ = import_status(
        export(tmp_path, attachment(901, url=server.url("/image.png")))
    )
    assert status == 2
    assert "larger than the upload limit" in report


@pytest.fixture
def outside(tmp_path):
    """A folder next to --media-dir holding a file an export must never reach."""
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / "secret.png").write_bytes(PNG)
    return folder


@pytest.fixture
def media_dir(tmp_path, outside):
    folder = tmp_path / "uploads"
    (folder / "2024").mkdir(parents=True)
    (folder / "2024" / "good.png").write_bytes(PNG)
    (folder / "2024" / "link.png").symlink_to(outside / "secret.png")
    (folder / "linked-folder").symlink_to(outside, target_is_directory=True)
    return folder


def test_files_outside_media_dir_are_never_read_and_messages_do_not_tell(
    tmp_path, media_dir, outside
):
    items = [
        attachment(901, upload="2024/good.png"),
        attachment(902, upload="../private/secret.png"),
        attachment(903, upload=str(outside / "secret.png")),  # absolute
        attachment(904, upload="2024/link.png"),  # a symlink leading out
        attachment(905, upload="linked-folder/secret.png"),
        attachment(906, upload="../private/absent.png"),  # does not exist: the same message
    ]
    status, report, _ = import_status(export(tmp_path, *items), media_dir=str(media_dir))
    assert status == 2
    assert "images: 1 created, 0 updated, 0 unchanged, 0 skipped, 5 failed" in report
    assert Image.objects.get().width == 320
    failures = [line for line in report.splitlines() if "image file missing" in line]
    assert len(failures) == 5
    assert all("(not found in --media-dir; " in f for f in failures)
    assert str(tmp_path) not in report.replace(str(outside / "secret.png"), "")


def test_an_attachment_without_upload_path_is_found_by_file_name(tmp_path, media_dir):
    item = attachment(901, url="https://cdn.media.example/resized/good.png")
    status, report, _ = import_status(export(tmp_path, item, post(1, 901)), media_dir=media_dir)
    assert status == 0, report
    assert Article.objects.get(slug="post-1").hero_image.width == 320


def test_a_missing_file_names_the_media_dir_that_was_given(tmp_path, media_dir):
    status, report, _ = import_status(
        export(tmp_path, attachment(901, upload="2023/none.png")), media_dir=media_dir
    )
    assert status == 2
    assert "image file missing: 2023/none.png (not found in --media-dir; " in report
    assert "no --media-dir given" not in report


def test_bad_image_names_in_a_json_export_are_item_errors_not_a_crash(tmp_path, media_dir):
    data = {
        "format": "cpc-site-content",
        "version": 1,
        "images": [
            {"file": "../private/secret.png", "alt_text": "x"},
            {"file": 5, "alt_text": "x"},
            {"file": "/etc/passwd", "alt_text": "x"},
            {"file": "2024/good.png", "alt_text": "Good"},
        ],
    }
    path = tmp_path / "content.json"
    path.write_text(json.dumps(data))
    status, report, _ = import_status(path, media_dir=media_dir)
    assert status == 2
    assert "images: 1 created, 0 updated, 0 unchanged, 0 skipped, 3 failed" in report
    assert report.count("invalid file name") == 3
    assert Image.objects.get().alt_text == "Good"


def test_confinement_rules_directly(media_dir, outside):
    assert (
        media.confined_file(media_dir, "2024/good.png") == (media_dir / "2024/good.png").resolve()
    )
    for name in ("../private/secret.png", str(outside / "secret.png"), "2024/link.png", "", None):
        assert media.confined_file(media_dir, name) is None
    assert media.confined_file(None, "2024/good.png") is None
    assert (
        media.MediaFolder(media_dir).find("other/place/good.png")
        == (media_dir / "2024" / "good.png").resolve()
    )
    assert media.MediaFolder(media_dir).find("secret.png") is None  # only via a link: refused
    assert Path(media_dir).is_dir()


@pytest.mark.django_db(transaction=True)
def test_a_large_import_leaves_renditions_to_the_worker(tmp_path, publisher, run_tasks):
    """Images created in bulk are stored at once; their renditions are jobs after the commit
    (an import of thousands of posts does not wait for them), and pages show the original."""
    write_media(tmp_path / "uploads", 3)
    write_export(tmp_path / "export.xml", posts=3)
    run_import(tmp_path / "export.xml", media_dir=str(tmp_path / "uploads"), user="publisher")

    images = Image.objects.all()
    assert images.count() == 3
    assert {image.renditions_status for image in images} == {Image.Renditions.PENDING}
    assert all(image.content_hash for image in images)

    run_tasks()

    for image in Image.objects.all():
        assert image.renditions_status == Image.Renditions.READY
        assert image.social_card is not None
