import re
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image as PILImage

from articles import services
from articles.models import ContentChange, Image
from articles.revisions import system_user
from articles.tasks import make_image_renditions
from tests.factories import (
    image_bytes,
    image_upload,
    make_article,
    make_image,
    make_renditions_now,
)

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


def change_url(image):
    return reverse("admin:articles_image_change", args=[image.pk])


def change_data(image, **fields):
    data = {
        "alt_text": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "credit_url": image.credit_url,
        "licence": image.licence,
        "focal_x": image.focal_x,
        "focal_y": image.focal_y,
    }
    data.update(fields)
    return data


def image_events(article):
    return ContentChange.objects.filter(subject="article", object_id=article.pk).count()


@pytest.mark.django_db(transaction=True)  # the renditions job runs after the commit
@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_admin_upload_leaves_renditions_to_the_worker(
    admin_client, settings, run_tasks, image_format
):
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}[image_format]
    response = post_image(admin_client, image_upload(f"pic.{ext}", image_format, size=(1000, 500)))

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (1000, 500)
    assert image.renditions == [] and image.renditions_pending
    page = admin_client.get(change_url(image)).content.decode()
    assert 'data-renditions-state="pending"' in page and "Being prepared" in page
    assert image.file.url in page  # the preview is the original meanwhile

    run_tasks()

    image.refresh_from_db()
    assert image.renditions_status == Image.Renditions.READY
    widths = sorted({r["width"] for r in image.renditions if not r.get("purpose")})
    assert widths == [320, 640, 960]
    assert {r["format"] for r in image.renditions} >= {"webp"}
    assert "320w" in image.srcset() and image.srcset().count("w,") == 2
    for rendition in image.renditions:
        assert (Path(settings.MEDIA_ROOT) / rendition["name"]).exists()
    assert (image.social_card["width"], image.social_card["height"]) == (952, 500)
    assert "Ready: 3 widths" in admin_client.get(change_url(image)).content.decode()


def test_admin_upload_is_stored_under_a_generated_name_of_its_real_type(admin_client):
    upload = SimpleUploadedFile("x.php.jpg", image_bytes("PNG"), "image/jpeg")
    response = post_image(admin_client, upload)

    assert response.status_code == 302
    name = Image.objects.get().file.name
    assert re.fullmatch(r"images/\d{4}/\d{2}/[0-9a-f]{32}\.png", name), name


def polyglot(image_format):
    """A real image with an HTML page after its data (and in its comment, where it has one)."""
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    buffer = BytesIO()
    picture = PILImage.new("RGB", (300, 200), (200, 40, 40))
    if image_format == "JPEG":
        picture.save(buffer, "JPEG", comment=page)
    else:
        picture.save(buffer, "GIF", comment=page)
    return buffer.getvalue() + page


@pytest.mark.parametrize(("image_format", "ext"), [("JPEG", "jpg"), ("GIF", "gif")])
def test_polyglot_uploads_are_stored_without_what_trails_them(
    admin_client, settings, image_format, ext
):
    data = polyglot(image_format)
    assert b"<script>" in PILImage.open(BytesIO(data)).info.get("comment", b"")
    response = post_image(admin_client, SimpleUploadedFile(f"x.{ext}", data, "image/gif"))

    assert response.status_code == 302
    image = Image.objects.get()
    stored = (Path(settings.MEDIA_ROOT) / image.file.name).read_bytes()
    assert b"<script" not in stored and b"<html" not in stored
    with PILImage.open(BytesIO(stored)) as clean:
        assert clean.format == image_format and clean.size == (300, 200)


def test_exif_is_applied_and_then_left_out(admin_client, settings):
    buffer = BytesIO()
    exif = PILImage.Exif()
    exif[0x0112] = 6  # orientation: rotate 90°
    exif[0x010F] = "Camera maker that leaks"
    PILImage.new("RGB", (400, 200), (10, 10, 10)).save(buffer, "JPEG", exif=exif)
    post_image(admin_client, SimpleUploadedFile("turned.jpg", buffer.getvalue(), "image/jpeg"))

    image = Image.objects.get()
    assert (image.width, image.height) == (200, 400)
    stored = (Path(settings.MEDIA_ROOT) / image.file.name).read_bytes()
    assert b"Camera maker" not in stored


def test_a_duplicate_upload_is_refused_with_a_link_to_the_stored_image(admin_client, settings):
    first = post_image(admin_client, image_upload("harbour.jpg"))
    assert first.status_code == 302
    existing = Image.objects.get()
    files_before = stored_files(settings)

    # The same picture, renamed and with bytes appended: the hash is of the decoded pixels.
    again = SimpleUploadedFile("copy.jpg", image_bytes("JPEG") + b"trailing", "image/jpeg")
    response = post_image(admin_client, again, alt_text="Cranes again")

    assert response.status_code == 200
    page = response.content.decode()
    assert "This picture is already in the library" in page
    assert f'<a href="{change_url(existing)}">' in page
    assert Image.objects.count() == 1
    assert stored_files(settings) == files_before
    assert 'class="focal-picker"' not in page  # no preview of a file that was not kept


def test_a_different_picture_is_not_a_duplicate(admin_client):
    post_image(admin_client, image_upload("harbour.jpg"))
    other = SimpleUploadedFile("dock.jpg", image_bytes("JPEG", color=(90, 30, 30)), "image/jpeg")

    assert post_image(admin_client, other).status_code == 302
    assert Image.objects.count() == 2


def test_a_refused_replacement_keeps_the_stored_preview(admin_client):
    image = make_image()
    bad = SimpleUploadedFile("notes.jpg", b"just some text", "image/jpeg")
    response = admin_client.post(change_url(image), {**change_data(image), "file": bad})

    assert response.status_code == 200
    page = response.content.decode()
    assert "valid image" in page
    preview = max(image.rendition_list(), key=lambda r: (r["format"] == "jpg", r["width"]))
    assert f'<img src="{image.file.storage.url(preview["name"])}"' in page
    assert "/media/notes" not in page and "notes.jpg" not in page.split("focal-picker")[1]
    image.refresh_from_db()
    assert image.file.name == Image.objects.get().file.name


def halves(size=(2000, 500)):
    """A picture red on its left half and blue on its right half."""
    picture = PILImage.new("RGB", size, (220, 0, 0))
    picture.paste((0, 0, 220), (size[0] // 2, 0, size[0], size[1]))
    buffer = BytesIO()
    picture.save(buffer, "PNG")
    return SimpleUploadedFile("halves.png", buffer.getvalue(), "image/png")


def social_card_colour(settings, image):
    card = image.social_card
    with PILImage.open(Path(settings.MEDIA_ROOT) / card["name"]) as picture:
        return picture.convert("RGB").getpixel((picture.width // 2, picture.height // 2))


@pytest.mark.django_db(transaction=True)  # the renditions job runs after the commit
def test_focal_point_set_in_the_admin_crops_the_social_card(admin_client, settings, run_tasks):
    image = make_image(file=halves(), focal_x=0.1)
    assert (image.social_card["width"], image.social_card["height"]) == (952, 500)
    red = social_card_colour(settings, image)
    assert red[0] > 150 and red[2] < 60

    old_files = {r["name"] for r in image.renditions}
    response = admin_client.post(
        change_url(image), change_data(image, focal_x="0.9", focal_y="0.5")
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.9, 0.5)
    assert image.renditions_pending
    assert image.srcset()  # the renditions of the old focal point serve meanwhile

    run_tasks()

    image.refresh_from_db()
    blue = social_card_colour(settings, image)
    assert blue[2] > 150 and blue[0] < 60
    assert not image.renditions_pending
    media = Path(settings.MEDIA_ROOT)
    assert not any(
        (media / name).exists() for name in old_files - {r["name"] for r in image.renditions}
    )


@pytest.mark.django_db(transaction=True)  # the renditions job runs after the commit
def test_focal_point_change_is_an_event_for_the_articles_showing_the_image(run_tasks):
    image = make_image()
    article = make_article(hero_image=image)
    before = image_events(article)

    image.focal_x = 0.2
    services.save_image(image=image, user=system_user())
    assert image_events(article) == before + 1
    run_tasks()  # the new renditions change what the page shows again
    assert image_events(article) == before + 2


def test_an_outdated_renditions_job_stores_nothing(settings):
    image = make_image(renditions=False)
    old_job = (image.pk, image.file.name, image.focal_x, image.focal_y)
    image.focal_y = 0.1
    services.save_image(image=image, user=system_user())
    files_before = stored_files(settings)

    assert make_image_renditions.call(*old_job) == 0

    image.refresh_from_db()
    assert image.renditions == [] and image.renditions_pending
    assert stored_files(settings) == files_before


def test_reader_page_while_renditions_are_pending(client, settings, django_assert_num_queries):
    ready = make_article(hero_image=make_image())
    pending = make_article(hero_image=make_image(renditions=False))
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(ready.get_absolute_url()).status_code == 200

    with django_assert_num_queries(len(baseline)):
        response = client.get(pending.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    hero = pending.hero_image
    assert f'<img src="{hero.file.url}"' in page
    assert 'srcset=""' not in page and "image/webp" not in page
    assert f'<meta property="og:image" content="{settings.SITE_URL}{hero.file.url}">' in page
    ready_page = client.get(ready.get_absolute_url()).content.decode()
    assert "image/webp" in ready_page and ready.hero_image.social_card["name"] in ready_page


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
    assert '<img src="/media/' not in response.content.decode()  # no broken preview
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


def test_remake_renditions_queues_images_stored_before_the_social_card(settings):
    image = make_image()
    older = make_image(file=image_upload("older.jpg", size=(900, 600)))
    Image.objects.filter(pk=older.pk).update(
        renditions=[r for r in older.renditions if not r.get("purpose")], content_hash=""
    )
    out = StringIO()

    call_command("remake_renditions", stdout=out)

    assert "Queued renditions for 1 image(s)" in out.getvalue()
    older.refresh_from_db()
    assert older.renditions_pending and older.srcset()  # the old ones serve meanwhile
    make_renditions_now(older)
    assert older.social_card and older.content_hash and not older.renditions_pending
    image.refresh_from_db()
    assert not image.renditions_pending


def test_gifs_with_the_same_pixels_but_other_colours_are_not_duplicates(admin_client):
    def gif(colour):
        buffer = BytesIO()
        PILImage.new("RGB", (120, 80), colour).save(buffer, "GIF")
        return SimpleUploadedFile("flat.gif", buffer.getvalue(), "image/gif")

    assert post_image(admin_client, gif((200, 0, 0))).status_code == 302
    assert post_image(admin_client, gif((0, 0, 200))).status_code == 302
    assert Image.objects.count() == 2


def detailed_jpeg():
    """A JPEG whose pixels change when it is encoded again (lossy), unlike a flat colour."""
    noise = PILImage.effect_noise((700, 400), 80)
    picture = PILImage.merge(
        "RGB", [noise, noise.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT), noise]
    )
    buffer = BytesIO()
    picture.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [detailed_jpeg(), image_bytes("PNG"), image_bytes("GIF")])
def test_the_renditions_job_keeps_the_hash_an_upload_is_compared_with(admin_client, data):
    post_image(admin_client, SimpleUploadedFile("first.jpg", data, "image/jpeg"))
    image = Image.objects.get()
    uploaded_hash = image.content_hash

    make_renditions_now(image)

    assert image.content_hash == uploaded_hash
    response = post_image(admin_client, SimpleUploadedFile("again.jpg", data, "image/jpeg"))
    assert "already in the library" in response.content.decode()
    assert Image.objects.count() == 1


def test_renditions_that_cannot_be_made_are_reported_and_pages_still_render(
    admin_client, client, settings
):
    image = make_image()
    article = make_article(hero_image=image)
    (Path(settings.MEDIA_ROOT) / image.file.name).write_bytes(b"damaged on disk")
    services.queue_renditions(image=image, user=system_user())

    assert make_renditions_now(image).renditions_status == Image.Renditions.FAILED
    assert "could not be made" in admin_client.get(change_url(image)).content.decode()
    assert (
        admin_client.get(
            reverse("admin:articles_image_changelist"), {"renditions_status": "failed"}
        )
        .context["cl"]
        .result_count
        == 1
    )
    assert client.get(article.get_absolute_url()).status_code == 200
