"""Image upload validation and responsive renditions, with Pillow."""

from io import BytesIO
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def validate_image_file(upload):
    """Refuse anything but a real, reasonably sized JPEG, PNG, WebP or GIF."""
    if upload.size > settings.IMAGE_MAX_UPLOAD_BYTES:
        limit_mb = settings.IMAGE_MAX_UPLOAD_BYTES / (1024 * 1024)
        raise ValidationError(
            f"The file is too large ({upload.size / (1024 * 1024):.1f} MB); "
            f"the limit is {limit_mb:.0f} MB.",
            code="file_too_large",
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with PILImage.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            if image_format not in ALLOWED_FORMATS:
                raise ValidationError(
                    f"{image_format} images are not accepted; upload a JPEG, PNG, WebP or GIF.",
                    code="unsupported_format",
                )
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    f"The image is {width}×{height} pixels; the limit is "
                    f"{settings.IMAGE_MAX_PIXELS:,} pixels in all.",
                    code="too_many_pixels",
                )
            probe.verify()
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        PILImage.DecompressionBombError,
    ):
        raise ValidationError(
            "The file is not a readable image (JPEG, PNG, WebP or GIF).", code="invalid_image"
        ) from None
    finally:
        upload.seek(position)


def make_renditions(image_field):
    """Write resized copies (WebP and the original format) and describe them."""
    renditions = []
    was_closed = image_field.closed
    image_field.open("rb")
    try:
        with PILImage.open(image_field) as original:
            original_format = original.format
            source = ImageOps.exif_transpose(original)
            source.load()
    finally:
        # An upload not yet saved must stay open for the storage to write it.
        image_field.close() if was_closed else image_field.seek(0)
    own_ext = ALLOWED_FORMATS.get(original_format, "png")
    if own_ext == "gif":
        own_ext = "png"  # renditions are stills; the original keeps any animation
    stem = PurePosixPath(image_field.name).stem
    widths = [w for w in settings.IMAGE_RENDITION_WIDTHS if w < source.width] or [source.width]
    for width in widths:
        height = max(1, round(source.height * width / source.width))
        resized = source.resize((width, height), PILImage.Resampling.LANCZOS)
        for ext in dict.fromkeys(["webp", own_ext]):
            name = default_storage.save(
                f"images/renditions/{stem}-{width}w.{ext}", ContentFile(_encode(resized, ext))
            )
            renditions.append({"width": width, "height": height, "format": ext, "name": name})
    return renditions


def _encode(picture, ext):
    buffer = BytesIO()
    if ext == "jpg":
        picture.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    elif ext == "webp":
        picture.save(buffer, "WEBP", quality=80, method=4)
    else:
        picture.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def rendition_url(rendition):
    return default_storage.url(rendition["name"])
