from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from articles import services
from articles.models import Image
from articles.revisions import system_user
from tests.factories import image_bytes, image_upload, make_image

pytestmark = pytest.mark.django_db


def post_image(client, upload, **fields):
    data = {
        "file": upload,
        "alt_text": "Cranes",
        "caption": "",
        "credit": "",
        "credit_url": "",
        "licence": "",
    }
    data.update(fields)
    return client.post(reverse("admin:articles_image_add"), data)


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_admin_accepts_real_images_and_makes_renditions(admin_client, settings, image_format):
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}[image_format]
    response = post_image(admin_client, image_upload(f"pic.{ext}", image_format, size=(1000, 500)))

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (1000, 500)
    widths = sorted({r["width"] for r in image.renditions})
    assert widths == [320, 640, 960]
    assert {r["format"] for r in image.renditions} >= {"webp"}
    assert "320w" in image.srcset() and image.srcset().count("w,") == 2
    for rendition in image.renditions:
        assert (Path(settings.MEDIA_ROOT) / rendition["name"]).exists()


def test_renditions_are_made_once_and_reused(settings):
    image = make_image()
    first = list(image.renditions)
    files_before = stored_files(settings)

    image.caption = "New caption"
    services.save_image(image=image, user=system_user())

    image.refresh_from_db()
    assert image.caption == "New caption"
    assert image.renditions == first
    assert stored_files(settings) == files_before


def test_alt_text_is_required(admin_client, settings):
    response = post_image(admin_client, image_upload(), alt_text="")

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Image.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("notes.jpg", b"just some text", "image/jpeg"), "valid image"),
        (SimpleUploadedFile("page.html", b"<html></html>", "text/html"), "valid image"),
        (SimpleUploadedFile("pic.bmp", image_bytes("BMP"), "image/bmp"), "File extension"),
        (SimpleUploadedFile("pic.jpg", image_bytes("BMP"), "image/jpeg"), "not accepted"),
        (SimpleUploadedFile("cut.jpg", image_bytes("JPEG")[:200], "image/jpeg"), "valid image"),
    ],
)
def test_admin_refuses_what_is_not_an_image(admin_client, settings, upload, message):
    response = post_image(admin_client, upload)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["file"]
    assert any(message in error for error in errors), errors
    assert not Image.objects.exists()
    assert stored_files(settings) == []


def test_admin_refuses_an_oversized_upload(admin_client, settings):
    settings.IMAGE_MAX_UPLOAD_BYTES = 1000
    response = post_image(admin_client, image_upload(size=(400, 400)))

    assert "too large" in response.content.decode()
    assert not Image.objects.exists()
    assert stored_files(settings) == []


def test_admin_refuses_a_decompression_bomb(admin_client, settings):
    # A tiny PNG file that claims a huge canvas: refused from its header, never decoded.
    buffer = BytesIO()
    PILImage.new("1", (12000, 12000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 200_000
    response = post_image(
        admin_client, SimpleUploadedFile("bomb.png", buffer.getvalue(), "image/png")
    )

    assert "the limit is" in response.content.decode()
    assert not Image.objects.exists()
    assert stored_files(settings) == []
