"""Media (uploaded images and their renditions) served by the app itself, for a single
machine without object storage, with debug on or off.

Why a view and not a web server in front: it needs nothing but gunicorn, it is tested with
the rest, and it serves with the rules the site needs: only the file types the site stores
(anything else is a 404, so an upload that slipped through can never be served as a page),
the right `Content-Type`, `X-Content-Type-Options: nosniff`, a sandboxing
`Content-Security-Policy`, long cache lifetimes (stored files are never rewritten under the
same name: the storage picks a new name) and validators for 304s. gunicorn sends the file
with `sendfile()`. With S3 (`AWS_STORAGE_BUCKET_NAME`) it is off: the bucket serves media.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".pdf": "application/pdf",
}
MEDIA_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _headers(response, etag, modified):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = f"public, max-age={settings.MEDIA_CACHE_SECONDS}, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_SECURITY_POLICY
    return response


def serve_media(request, path):
    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path))
    except SuspiciousFileOperation:
        raise Http404("No such file.") from None
    content_type = CONTENT_TYPES.get(full.suffix.lower())
    if content_type is None or not full.is_file():
        raise Http404("No such file.")
    stat = full.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    modified = int(stat.st_mtime)
    unchanged = get_conditional_response(request, etag=etag, last_modified=modified)
    if unchanged is not None:
        return _headers(unchanged, etag, modified)
    handle = open(full, "rb")  # noqa: SIM115 - FileResponse closes it
    response = FileResponse(handle, content_type=content_type)
    response["Content-Length"] = str(os.fstat(handle.fileno()).st_size)
    return _headers(response, etag, modified)
