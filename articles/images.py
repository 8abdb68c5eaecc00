"""Images with Pillow: upload validation, re-encoding, content hashes, and renditions.

An upload is checked from its header first (type, bytes, pixels: nothing is decoded before),
then decoded and written again by Pillow (`clean_upload`): whatever trailed or hid in the file
(HTML appended to a GIF or JPEG, comments, EXIF with GPS positions) is not copied, and the
file gets a generated name. Renditions (`make_renditions`) are made later, by a background job
(`articles.tasks.make_image_renditions`), never in the editor's request.
"""

import hashlib
import uuid
from io import BytesIO
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageOps, ImageSequence, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
SOCIAL_CARD_SIZE = (1200, 630)
_UNREADABLE = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    PILImage.DecompressionBombError,
)


def validate_image_file(upload):
    """Refuse anything but a real, reasonably sized JPEG, PNG, WebP or GIF."""
    if getattr(upload, "_committed", False):
        return  # a stored file (checked when it came in), not an upload
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
    except _UNREADABLE:
        raise ValidationError(
            "The file is not a readable image (JPEG, PNG, WebP or GIF).", code="invalid_image"
        ) from None
    finally:
        upload.seek(position)


class CleanImageFile(ContentFile):
    """An upload as Pillow wrote it again, under a generated name, with its content hash."""

    def __init__(self, data, *, extension, content_hash, size):
        super().__init__(data, name=f"{uuid.uuid4().hex}.{extension}")
        self.content_hash = content_hash
        self.image_size = size


def clean_upload(upload):
    """Decode a validated upload and encode it again (see the module docstring).

    Raises ValidationError when the data cannot be decoded after all (a truncated file whose
    header looked right)."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with PILImage.open(upload) as original:
            image_format = original.format
            if image_format == "GIF" and getattr(original, "n_frames", 1) > 1:
                frames = [frame.copy() for frame in ImageSequence.Iterator(original)]
                picture = frames[0]
            else:
                picture = ImageOps.exif_transpose(original)
                picture.load()
                frames = [picture]
            kept = {
                k: original.info[k]
                for k in ("icc_profile", "transparency", "duration", "loop")
                if k in original.info
            }
    except _UNREADABLE:
        raise ValidationError(
            "The file is not a readable image (JPEG, PNG, WebP or GIF).", code="invalid_image"
        ) from None
    finally:
        upload.seek(position)
    data = _encode_original(frames, image_format, kept)
    with PILImage.open(BytesIO(data)) as stored:
        content_hash = pixel_hash(stored)
    return CleanImageFile(
        data,
        extension=ALLOWED_FORMATS[image_format],
        content_hash=content_hash,
        size=picture.size,
    )


def pixel_hash(picture):
    """SHA-256 of a stored picture's decoded pixels (mode, size, frame count, palette, pixels
    of the first frame). An upload is hashed as stored, after re-encoding, so the same picture
    uploaded again matches whatever its file name, metadata or trailing bytes, and the
    renditions job finds the same hash for files that came another way (imports)."""
    frame_count = getattr(picture, "n_frames", 1)
    digest = hashlib.sha256(
        f"{picture.mode}:{picture.width}x{picture.height}:{frame_count}:".encode()
    )
    if picture.mode in ("P", "PA"):
        digest.update(bytes(picture.getpalette() or ()))  # the pixels are palette indices
    strip = 256
    for top in range(0, picture.height, strip):
        box = (0, top, picture.width, min(picture.height, top + strip))
        digest.update(picture.crop(box).tobytes())
    return digest.hexdigest()


def _encode_original(frames, image_format, kept):
    buffer = BytesIO()
    first = frames[0]
    # Only what the picture needs is passed on; comments, text chunks and EXIF are not.
    first.info = {}
    options = {k: v for k, v in kept.items() if k == "icc_profile"}
    if image_format == "JPEG":
        first.save(buffer, "JPEG", quality=90, comment=b"", **options)
    elif image_format == "PNG":
        if "transparency" in kept:
            options["transparency"] = kept["transparency"]
        first.save(buffer, "PNG", **options)
    elif image_format == "WEBP":
        first.save(buffer, "WEBP", quality=90, **options)
    else:  # GIF, animated or not
        for frame in frames:
            frame.info = {}
        gif = {k: kept[k] for k in ("transparency", "duration", "loop") if k in kept}
        first.save(
            buffer, "GIF", save_all=len(frames) > 1, append_images=frames[1:], comment=b"", **gif
        )
    return buffer.getvalue()


def crop_box(size, aspect, focal):
    """The largest box of this aspect ratio (width / height) inside `size`, centred on the
    focal point (fractions of width and height) as far as the edges allow."""
    width, height = size
    if width / height > aspect:
        crop_w, crop_h = max(1, round(height * aspect)), height
    else:
        crop_w, crop_h = width, max(1, round(width / aspect))
    left = min(max(0, round(focal[0] * width - crop_w / 2)), width - crop_w)
    top = min(max(0, round(focal[1] * height - crop_h / 2)), height - crop_h)
    return (left, top, left + crop_w, top + crop_h)


def make_renditions(image_field, *, focal=(0.5, 0.5)):
    """Write resized copies (WebP and the original format, every width) and the social card
    (1200×630, cut around the focal point). Returns their descriptions and the file's
    `pixel_hash` (for files that did not come through `clean_upload`: imports, older ones)."""
    renditions = []
    image_field.open("rb")
    try:
        with PILImage.open(image_field) as original:
            original_format = original.format
            content_hash = pixel_hash(original)
            source = ImageOps.exif_transpose(original)
            source.load()
    finally:
        image_field.close()
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
    card_w, card_h = SOCIAL_CARD_SIZE
    box = crop_box(source.size, card_w / card_h, focal)
    card = source.crop(box)
    if card.width > card_w:
        card = card.resize(SOCIAL_CARD_SIZE, PILImage.Resampling.LANCZOS)
    name = default_storage.save(
        f"images/renditions/{stem}-social.jpg", ContentFile(_encode(card, "jpg"))
    )
    renditions.append(
        {
            "width": card.width,
            "height": card.height,
            "format": "jpg",
            "name": name,
            "purpose": "social",
        }
    )
    return renditions, content_hash


def delete_rendition_files(renditions):
    for rendition in renditions:
        default_storage.delete(rendition["name"])


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
