"""The image form in Chromium: the focal point set by a click, renditions reported as they
become ready, and a duplicate upload answered with a link to the stored image."""

from io import BytesIO

import pytest
from PIL import Image as PILImage

from articles.models import Image
from cpc_site.management.commands.worker import drain
from tests.factories import make_image

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def two_colours():
    picture = PILImage.new("RGB", (1600, 600), (220, 0, 0))
    picture.paste((0, 0, 220), (800, 0, 1600, 600))
    buffer = BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_click_on_the_preview_sets_the_focal_point_and_renditions_follow(admin_page, live_server):
    violations = []
    admin_page.on(
        "console",
        lambda message: violations.append(message.text) if "Security" in message.text else None,
    )
    image = make_image()
    admin_page.goto(f"{live_server.url}/admin/articles/image/{image.pk}/change/")

    preview = admin_page.locator("[data-focal-picker] img")
    box = preview.bounding_box()
    preview.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.25})

    assert float(admin_page.input_value("#id_focal_x")) == pytest.approx(0.8, abs=0.01)
    assert float(admin_page.input_value("#id_focal_y")) == pytest.approx(0.25, abs=0.01)
    marker = admin_page.locator(".focal-marker").get_attribute("style")
    assert "left: 80" in marker or "left: 79" in marker
    admin_page.click("input[name=_continue]")
    admin_page.wait_for_selector('[data-renditions-state="pending"]')

    image.refresh_from_db()
    assert image.focal_x == pytest.approx(0.8, abs=0.01) and image.renditions_pending
    drain()  # the worker makes the renditions; the open form notices without a reload
    admin_page.wait_for_selector('[data-renditions-state="ready"]', timeout=15_000)
    assert "Ready: " in admin_page.inner_text(".renditions-state")
    assert violations == []


def test_a_duplicate_upload_links_to_the_stored_image(admin_page, live_server):
    data = two_colours()
    admin_page.goto(f"{live_server.url}/admin/articles/image/add/")
    admin_page.set_input_files(
        "#id_file", files=[{"name": "port.png", "mimeType": "image/png", "buffer": data}]
    )
    admin_page.fill("#id_alt_text", "The port in two colours")
    admin_page.click("input[name=_save]")
    admin_page.wait_for_url("**/admin/articles/image/")
    stored = Image.objects.get()

    admin_page.goto(f"{live_server.url}/admin/articles/image/add/")
    admin_page.set_input_files(
        "#id_file", files=[{"name": "port-again.png", "mimeType": "image/png", "buffer": data}]
    )
    admin_page.fill("#id_alt_text", "The same port again")
    admin_page.click("input[name=_save]")

    error = admin_page.locator(".field-file .errorlist")
    assert "already in the library" in error.inner_text()
    assert admin_page.locator("[data-focal-picker]").count() == 0
    error.locator("a").click()
    admin_page.wait_for_url(f"**/admin/articles/image/{stored.pk}/change/")
    assert Image.objects.count() == 1
