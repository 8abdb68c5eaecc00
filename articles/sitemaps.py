"""sitemap.xml: articles (lastmod = updated_at), authors, topics and the index pages.

Hero images go in a separate image sitemap (Google's image extension, listed in
robots.txt): /sitemap.xml stays valid against the sitemaps.org schema alone.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Count, Max
from django.urls import reverse

from . import languages, translations
from .models import Article, Author, Topic


class SiteUrlSitemap(Sitemap):
    """Locations on the public site (SITE_URL), whatever host the request came to."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_urls(self, *args, **kwargs):
        urls = super().get_urls(*args, **kwargs)
        # No Last-Modified from the newest lastmod: it does not move when an article is
        # unpublished or deleted, and If-Modified-Since would confirm (304) a copy listing it.
        self.latest_lastmod = None
        return urls


class ArticleSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return (
            Article.objects.published()
            .select_related("hero_image")
            .only(
                "slug",
                "title",
                "language",
                "translation_group",
                "updated_at",
                "published_at",
                "hero_image__file",
                "hero_image__width",
                "hero_image__height",
                "hero_image__alt_text",
                "hero_image__caption",
                "hero_image__credit",
                "hero_image__licence",
            )
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, article):
        return max(article.updated_at, article.published_at)

    def get_urls(self, *args, **kwargs):
        """Each article with `xhtml:link` alternates: its published translations, itself and
        x-default (the same set on every member of a group)."""
        urls = super().get_urls(*args, **kwargs)
        groups = {}
        for article in translated_articles():
            groups.setdefault(article.translation_group, []).append(article)
        for url in urls:
            members = groups.get(url["item"].translation_group, [])
            url["alternates"] = [
                {"lang_code": code, "location": location}
                for code, location in translations.alternates(members)
            ]
        return urls

    def get_latest_lastmod(self):
        """For the index: one aggregate, never every article in Python."""
        latest = self.items().aggregate(updated=Max("updated_at"), published=Max("published_at"))
        return max(filter(None, latest.values()), default=None)


def translated_articles():
    """The published articles of groups with more than one published member (one query)."""
    published = Article.objects.published()
    shared = (
        published.values("translation_group")
        .annotate(members=Count("pk"))
        .filter(members__gt=1)
        .values("translation_group")
    )
    return published.filter(translation_group__in=shared).only(
        "pk", "slug", "language", "translation_group"
    )


class ArticleImageSitemap(ArticleSitemap):
    """Articles with a hero image, for the image sitemap."""

    def get_urls(self, *args, **kwargs):
        return SiteUrlSitemap.get_urls(self, *args, **kwargs)

    def items(self):
        return super().items().filter(hero_image__isnull=False)


class AuthorSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return (
            Author.objects.filter(articles__in=Article.objects.published())
            .annotate(latest=Max("articles__updated_at"))
            .only("slug")
            .order_by("name", "pk")
        )

    def lastmod(self, author):
        return author.latest

    def get_latest_lastmod(self):
        return self.items().aggregate(latest_of_all=Max("latest"))["latest_of_all"]


class TopicSitemap(AuthorSitemap):
    def items(self):
        return (
            Topic.objects.filter(articles__in=Article.objects.published())
            .annotate(latest=Max("articles__updated_at"))
            .only("slug")
            .order_by("name", "pk")
        )


class PageSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        pages = [
            ("articles:home", {}),
            ("articles:article-list", {}),
            ("articles:author-list", {}),
            ("articles:topic-list", {}),
        ]
        for code in languages.codes():
            pages.append(("articles:language-home", {"language": code}))
            pages.append(("articles:language-article-list", {"language": code}))
        return pages

    def location(self, page):
        name, kwargs = page
        return reverse(name, kwargs=kwargs)


class ArticlePDFSitemap(SiteUrlSitemap):
    """Every live article's PDF (built in the background; served on demand otherwise)."""

    changefreq = "monthly"
    priority = 0.3

    def items(self):
        return (
            Article.objects.published()
            .only("slug", "updated_at", "published_at")
            .order_by("-published_at", "-pk")
        )

    def location(self, article):
        return article.get_pdf_url()

    def lastmod(self, article):
        return max(article.updated_at, article.published_at)


SITEMAPS = {
    "pages": PageSitemap,
    "articles": ArticleSitemap,
    "pdfs": ArticlePDFSitemap,
    "authors": AuthorSitemap,
    "topics": TopicSitemap,
}
IMAGE_SITEMAPS = {"images": ArticleImageSitemap}
