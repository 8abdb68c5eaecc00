"""Media on one machine without S3: the app serves MEDIA_ROOT with debug off, safely."""

from pathlib import Path

import pytest

from tests.factories import make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]


def test_an_uploaded_image_and_its_renditions_load_with_debug_off(
    client, production, django_assert_max_num_queries
):
    image = make_image()
    assert image.renditions
    with django_assert_max_num_queries(0):
        response = client.get(image.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("public, max-age=31536000")
    assert b"".join(response.streaming_content) == image.file.open("rb").read()

    rendition = image.renditions[-1]
    response = client.get(f"/media/{rendition['name']}")
    assert response.status_code == 200
    assert response["Content-Type"] == f"image/{rendition['format'].replace('jpg', 'jpeg')}"


def test_a_repeat_visit_gets_a_304(client, production):
    image = make_image()
    first = client.get(image.file.url)
    again = client.get(image.file.url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["Cache-Control"] == first["Cache-Control"]


def test_only_files_of_the_types_the_site_stores_are_served(client, production, settings):
    root = Path(settings.MEDIA_ROOT)
    (root / "images").mkdir(parents=True)
    (root / "images" / "page.html").write_text("<script>alert(1)</script>")
    (root / "images" / "x.svg").write_text("<svg onload=alert(1)>")
    assert client.get("/media/images/page.html").status_code == 404
    assert client.get("/media/images/x.svg").status_code == 404
    assert client.get("/media/images/missing.jpg").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/media/../cpc_site/settings.py", "/media/%2e%2e/%2e%2e/etc/passwd", "/media//etc/hostname"],
)
def test_nothing_outside_media_root_is_served(client, production, path):
    assert client.get(path).status_code == 404
