"""WeasyPrint's fetcher for article PDFs (`articles.pdfs`), in a module of its own so that
WeasyPrint is loaded only by the processes that make a PDF."""

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .pdfs import site_file


class SiteFilesFetcher(URLFetcher):
    """WeasyPrint's fetcher, confined to the site's own static and media files."""

    def fetch(self, url, headers=None):
        data, content_type = site_file(url)
        return URLFetcherResponse(url, body=data, headers={"Content-Type": content_type})
