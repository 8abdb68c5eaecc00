"""Helpers shared by the Ghost, WordPress REST and spreadsheet readers."""

import json
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from .base import ImageItem, ImportFileError, ItemError
from .media import MediaFolder


def load_json(path):
    """The parsed file; ImportFileError (nothing written) when it is not JSON."""
    try:
        with Path(path).open(encoding="utf-8-sig") as handle:
            return json.load(handle)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            f"{path}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path}: not UTF-8 text (byte {error.start})") from None


def parse_datetime(value, what="date"):
    """ISO 8601 (a date alone means noon UTC); None for empty; ItemError when unreadable."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ItemError(f"invalid {what} {value!r}")
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ItemError(
            f"invalid {what} “{value[:40]}” (expected ISO 8601, e.g. 2024-05-02)"
        ) from None
    if len(text) == 10:  # a calendar date
        parsed = parsed.replace(hour=12)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def text(value, limit=None):
    """A string field of a record (None, numbers and nested values are not text)."""
    value = value.strip() if isinstance(value, str) else ""
    return value[:limit] if limit else value


def image_item(*, key, position, reference, media, fields, url_prefixes=()):
    """An ImageItem for a path inside --media-dir or a web address (downloaded safely).

    A web address whose path contains one of `url_prefixes` (e.g. Ghost's `/content/images/`)
    is first looked for in --media-dir under what follows it, then by its file name.
    """
    reference = reference.strip()
    parts = urlsplit(reference)
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise ItemError(
            f"image “{reference[:80]}”: only a file in --media-dir or an http(s) address"
        )
    url = reference if parts.scheme else ""
    path = unquote(parts.path) if url else reference
    candidates = [path.split(prefix, 1)[1] for prefix in url_prefixes if prefix in path]
    if not url and not candidates:
        candidates.append(path)  # a path inside --media-dir, exactly
    elif PurePosixPath(path).name:
        candidates.append(PurePosixPath(path).name)  # else by its file name
    return ImageItem(
        key=key,
        position=position,
        fields=fields,
        candidates=candidates,
        media_dir=media if isinstance(media, MediaFolder) else MediaFolder(media),
        url=url,
        label=reference,
    )
