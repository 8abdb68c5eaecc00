"""Article PDFs: the article page rendered with its print stylesheet by WeasyPrint, stored in
media storage and rebuilt when what readers see changes (`Article.pdf_key`).

WeasyPrint fetches nothing from the network: the page's own static files and media (the hero
image, author photos) are read from their storage, anything else (an image a body links to
elsewhere) is left out.
"""

import io
import logging
import mimetypes
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import more_from
from .citations import citation_html
from .models import Article, ArticlePDF

logger = logging.getLogger(__name__)


class RefusedFetch(ValueError):
    pass


def site_file(url):
    """(bytes, content type) of a /static/ or /media/ URL of the site, read from storage;
    RefusedFetch for anything else."""
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL)
    if parts.scheme not in ("http", "https") or parts.netloc != site.netloc:
        raise RefusedFetch(f"not fetched: {url[:200]}")
    path = unquote(parts.path)
    if ".." in path.split("/"):
        raise RefusedFetch(f"not fetched: {url[:200]}")
    for prefix, read in ((settings.STATIC_URL, _static), (settings.MEDIA_URL, _media)):
        if prefix.startswith("/") and path.startswith(prefix):
            data = read(path[len(prefix) :])
            if data is not None:
                return data, mimetypes.guess_type(path)[0] or "application/octet-stream"
    raise RefusedFetch(f"not fetched: {url[:200]}")


class SiteFilesFetcher(URLFetcher):
    """WeasyPrint's fetcher, confined to the site's own static and media files."""

    def fetch(self, url, headers=None):
        data, content_type = site_file(url)
        return URLFetcherResponse(url, body=data, headers={"Content-Type": content_type})


def _static(name):
    found = finders.find(name)
    if found:
        with open(found, "rb") as handle:
            return handle.read()
    return None


def _media(name):
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def render_html(article):
    """The article page as printed: the same template, without the site's navigation."""
    html = render_to_string(
        "articles/article_detail.html",
        {
            "article": article,
            "is_pdf": True,
            "citations": SimpleLazyObject(lambda: citation_html(article)),
            "citation_downloads": [],
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        },
    )
    return more_from.fill(html, article)


def render_pdf(article):
    """(PDF bytes, page count) of `article` (loaded with `for_detail()`)."""
    document = HTML(
        string=render_html(article),
        base_url=settings.SITE_URL + article.get_absolute_url(),
        url_fetcher=SiteFilesFetcher(),
        media_type="print",
    ).render()
    buffer = io.BytesIO()
    document.write_pdf(buffer)
    return buffer.getvalue(), len(document.pages)


def current_pdf(article):
    """The stored PDF of a live article when it shows what readers see now, else None."""
    pdf = ArticlePDF.objects.filter(article=article).first()
    if (
        pdf is not None
        and pdf.built_for == article.pdf_key
        and default_storage.exists(pdf.file.name)
    ):
        return pdf
    return None


def build_pdf(article):
    """Build and store the PDF of a live article (replacing an older one); returns it."""
    content, pages = render_pdf(article)
    key = article.pdf_key
    name = default_storage.save(f"pdfs/{article.slug}-{article.version}.pdf", ContentFile(content))
    with transaction.atomic():
        old = ArticlePDF.objects.select_for_update().filter(article=article).first()
        old_name = old.file.name if old else None
        ArticlePDF.objects.update_or_create(
            article=article,
            defaults={
                "file": name,
                "built_for": key,
                "built_at": timezone.now(),
                "size": len(content),
                "page_count": pages,
            },
        )
    if old_name and old_name != name:
        transaction.on_commit(lambda: default_storage.delete(old_name))
    return ArticlePDF.objects.get(article=article)


def refresh_pdfs(article_ids):
    """Build the PDFs of these articles that are live and out of date; drop the others'."""
    built = 0
    live = Article.objects.published().for_detail().filter(pk__in=article_ids)
    for article in live:
        if current_pdf(article) is None:
            try:
                build_pdf(article)
                built += 1
            except Exception:
                logger.exception("PDF of article %s failed", article.pk)
    gone = ArticlePDF.objects.filter(article_id__in=article_ids).exclude(
        article__in=Article.objects.published()
    )
    for pdf in gone:
        name = pdf.file.name
        pdf.delete()
        transaction.on_commit(lambda name=name: default_storage.delete(name))
    return built
