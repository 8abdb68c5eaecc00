"""Renderings: what a live article shows readers and partners, rendered once after each change
they see instead of on every request.

After every change with a change-log event (`articles.tasks.enqueue_follow_up_work`), a job
renders the changed articles' page (with a slot for each "More from" list, which shows other
articles and is filled for every response: `articles.more_from`) and their API item and
detail, and stores them (`ArticleRendering`). The page and the API serve a rendering only
while it is current:

- `built_for` equals `rendering_key(article)`: the article's change stamp (`modified_at`,
  moved by the change log for every change the article shows, of itself or of an author,
  topic, image or related article, see `articles.changes`) and a digest of the code that
  renders (templates, template tags, serializers, translations). Until the job has run, or
  after a deploy that changes that code and before `manage.py prerender_articles`, requests
  render as before: a rendering can be missing, never stale;
- the request came to the site's own address (`SITE_URL`): absolute links in them name it.

A page part that shows other content without such a slot (a `{% cachedfragment %}` without
`since=`) cannot be stored: such a page is not stored, and it renders on every request.

A stored page is also kept compressed, so that a client that accepts gzip (every browser)
costs no compression of the whole page per response (`gzipped`).
"""

import functools
import hashlib
import logging
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from cpc_site.templatetags.fragment_cache import placeholder

from . import more_from
from .models import Article, ArticleRendering, load_published_translations

logger = logging.getLogger(__name__)

BATCH = 100
ROOT = Path(__file__).resolve().parent.parent
# What renders a page: a change to any of these files (the apps' code, templates, static
# files whose hashed names the page links, translations) makes older renderings unused.
RENDERING_CODE = ("articles", "related", "cpc_site", "templates", "static", "locale")
RENDERING_SUFFIXES = {".py", ".html", ".mo", ".css", ".js", ".svg", ".json", ".txt", ".xml"}
# Settings whose values pages show.
RENDERING_SETTINGS = (
    "SITE_URL", "SITE_NAME", "LANGUAGE_CODE", "LANGUAGES", "STATIC_URL", "MEDIA_URL",
    "DEFAULT_REPUBLICATION_LICENCE", "AWS_S3_CUSTOM_DOMAIN", "AWS_STORAGE_BUCKET_NAME",
)  # fmt: skip


def code_digest():
    """A digest of the code that renders and of the settings renderings show (asked once per
    article served: the settings are read, the digest is computed once per set of them)."""
    values = tuple(repr(getattr(settings, name, None)) for name in RENDERING_SETTINGS)
    return _digest(_files_digest(), values)


@functools.lru_cache(maxsize=4)
def _digest(files_digest, setting_values):
    digest = hashlib.sha256(files_digest.encode())
    for value in setting_values:
        digest.update(value.encode())
    return digest.hexdigest()[:16]


@functools.cache
def _files_digest():
    digest = hashlib.sha256()
    for name in RENDERING_CODE:
        for file in sorted((ROOT / name).rglob("*")):
            if file.suffix in RENDERING_SUFFIXES and file.is_file():
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


# What `rendering_key` and serving a stored page read of the article.
KEY_FIELDS = ("pk", "slug", "language", "modified_at")


def rendering_key(article, code=None):
    """What a rendering of `article` must have been built for to be served; None when the
    article has no change stamp (never announced). `code`: `rendering_code()`, when known."""
    if article.modified_at is None:
        return None
    return f"{code or rendering_code()}{article.modified_at.isoformat()}"


def rendering_code():
    """The part of every rendering key that is not the article's: the code that renders and
    the year (the page's footer shows it)."""
    return f"{code_digest()}:{timezone.localdate().year}:"


def served_at_site_address(request):
    site = urlsplit(settings.SITE_URL)
    return request.scheme == site.scheme and request.get_host() == site.netloc


def serves(request):
    """Whether stored renderings may answer this request."""
    return _serving(request) is not None


def _serving(request):
    """`rendering_code()` when stored renderings may answer this request, else None; worked
    out once per request (a list asks for each of its articles)."""
    try:
        return request.rendering_code
    except AttributeError:
        serving = settings.PRERENDERED_ARTICLES and served_at_site_address(request)
        request.rendering_code = rendering_code() if serving else None
        return request.rendering_code


def current_rendering(request, article):
    """The article's stored rendering when it may be served for this request, else None.

    `article` must come with its rendering loaded (`select_related("rendering")`).
    """
    code = _serving(request)
    if code is None:
        return None
    rendering = stored_rendering(article)
    key = rendering_key(article, code)
    return rendering if rendering is not None and rendering.built_for == key else None


def site_request(path):
    """A reader's GET of `path` at the site's own address, as the middleware leaves it."""
    site = urlsplit(settings.SITE_URL)
    request = RequestFactory().get(
        path,
        HTTP_HOST=site.netloc,
        secure=site.scheme == "https",
    )
    request.user = AnonymousUser()
    request.partner_key = None
    return request


def render_article(article):
    """(page, API item, API detail) of a live article loaded with `for_detail()`, by the
    views that serve its page and its API detail (found by their addresses)."""
    request = site_request(article.get_absolute_url())
    request.prerendering = True
    page_view = resolve(request.path).func.view_class
    response = page_view.as_view(prerendering=article)(request, slug=article.slug)
    if response.status_code != 200:
        raise RuntimeError(f"article {article.pk} rendered {response.status_code}")
    page = response.content.decode()
    if placeholder("") in page:
        raise RuntimeError(f"article {article.pk}: a part of its page renders per request")
    api_request = site_request(reverse("api:article-detail", args=[article.slug]))
    item, detail = resolve(api_request.path).func.cls.representations(api_request, article)
    return page, item, detail


def build_renderings(article_ids):
    """Render and store the renderings of these articles that are live and out of date; drop
    the others'. Returns how many were built (none while serving them is off)."""
    if not settings.PRERENDERED_ARTICLES:
        return 0
    built = 0
    ids = sorted(set(article_ids))
    for start in range(0, len(ids), BATCH):
        built += _build_batch(ids[start : start + BATCH])
    return built


def _build_batch(ids):
    live = list(
        Article.objects.published().for_detail().select_related("rendering").filter(pk__in=ids)
    )
    load_published_translations(live)
    built = 0
    for article in live:
        key = rendering_key(article)
        existing = stored_rendering(article)
        if key is None or (existing is not None and existing.built_for == key):
            continue
        try:
            page, item, detail = render_article(article)
        except Exception:
            logger.exception("Rendering of article %s failed", article.pk)
            continue
        with transaction.atomic():
            # Stored only if the article did not change while it rendered (a later job
            # renders that change).
            stamp = (
                Article.objects.select_for_update()
                .filter(pk=article.pk)
                .values_list("modified_at", flat=True)
                .first()
            )
            if stamp != article.modified_at:
                continue
            pieces = deflated_pieces(page)
            ArticleRendering.objects.update_or_create(
                article_id=article.pk,
                defaults={
                    "built_for": key,
                    "built_at": timezone.now(),
                    "page": page,
                    "page_deflated": b"".join(pieces),
                    "page_deflated_sizes": [len(piece) for piece in pieces],
                    "api_item": item,
                    "api_detail": detail,
                },
            )
        built += 1
    ArticleRendering.objects.filter(article_id__in=ids).exclude(
        article__in=Article.objects.published()
    ).delete()
    return built


def stored_rendering(article):
    """The article's rendering row, current or not (loaded with `select_related`), or None."""
    try:
        return article.rendering
    except ArticleRendering.DoesNotExist:
        return None


# A gzip stream (RFC 1952) is a header, deflate data and a trailer (CRC-32 and size of what
# it holds). Deflate data compressed in pieces is one valid stream when every piece but the
# last ends on a byte boundary without a final block (a sync flush), and the stream ends with
# a final block: so the text between a page's slots is compressed once, when the page is
# stored, and a response compresses only the lists it puts in the slots.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate; no name, no time
FINAL_BLOCK = b"\x03\x00"  # an empty final block


def _deflate(data):
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate, level 6
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def deflated_pieces(page):
    """The text of `page` before, between and after its "More from" slots, each compressed."""
    return [_deflate(text.encode()) for text in more_from.SLOT.split(page)[0::2]]


def compressed_response(request, rendering, article):
    """The rendering's page (of `article`) with its "More from" lists, as gzip made from the
    stored pieces; None when the client does not take gzip or the pieces do not fit the page
    (a rendering stored before they were)."""
    if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        return None
    parts = more_from.SLOT.split(rendering.page)  # text, author id, text, …, text
    if len(rendering.page_deflated_sizes) != len(parts) // 2 + 1:
        return None
    lists = more_from.lists_for(parts[1::2], article, request)
    response = HttpResponse(gzipped(rendering, parts, lists))
    response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def gzipped(rendering, parts, lists):
    """The rendering's page, split at its slots (`parts`), with `lists` ({author id: list})
    in them, compressed as gzip from the stored pieces. Unlike Django's GZipMiddleware it
    adds no random bytes against BREACH: a stored page holds no secret and reflects nothing
    of the request."""
    stored = memoryview(rendering.page_deflated)
    body = [GZIP_HEADER]
    crc = length = start = 0
    for index, size in enumerate(rendering.page_deflated_sizes):
        if index:  # the list in the slot before this piece, compressed now
            filled = lists.get(int(parts[2 * index - 1]), "").encode()
            crc, length = zlib.crc32(filled, crc), length + len(filled)
            body.append(_deflate(filled))
        text = parts[2 * index].encode()
        crc, length = zlib.crc32(text, crc), length + len(text)
        body.append(stored[start : start + size])
        start += size
    body += [FINAL_BLOCK, crc.to_bytes(4, "little"), (length & 0xFFFFFFFF).to_bytes(4, "little")]
    return b"".join(body)
