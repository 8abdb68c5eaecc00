from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path, register_converter

from . import feeds, languages, views
from .sitemaps import IMAGE_SITEMAPS, SITEMAPS

app_name = "articles"


class LanguageConverter:
    """A content language's code in an address (`/ru/`); any other code is no match."""

    regex = r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*"

    def to_python(self, value):
        if value not in languages.codes():
            raise ValueError(value)
        return value

    def to_url(self, value):
        return value


register_converter(LanguageConverter, "language")

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/", views.ArticleListView.as_view(), name="article-list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article-detail"),
    re_path(
        r"^articles/(?P<slug>[-a-zA-Z0-9_]+)/cite\.(?P<fmt>bib|ris|json)$",
        views.ArticleCitationView.as_view(),
        name="article-citation",
    ),
    re_path(
        r"^articles/(?P<slug>[-a-zA-Z0-9_]+)\.pdf$",
        views.ArticlePDFView.as_view(),
        name="article-pdf",
    ),
    path("preview/<int:pk>/", views.ArticlePreviewView.as_view(), name="article-preview"),
    path("authors/", views.AuthorListView.as_view(), name="author-list"),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="author-detail"),
    path("authors/<slug:slug>/feed/", feeds.AuthorArticleFeed(), name="author-feed"),
    path("authors/<slug:slug>/feed/atom/", feeds.AtomAuthorArticleFeed(), name="author-atom-feed"),
    path("topics/", views.TopicListView.as_view(), name="topic-list"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic-detail"),
    path("topics/<slug:slug>/feed/", feeds.TopicArticleFeed(), name="topic-feed"),
    path("topics/<slug:slug>/feed/atom/", feeds.AtomTopicArticleFeed(), name="topic-atom-feed"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/authors/", views.author_suggestions, name="search-authors"),
    path("feeds/rss/", feeds.ArticleFeed(), name="feed"),
    path("feeds/atom/", feeds.AtomArticleFeed(), name="atom-feed"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-images.xml",
        sitemap_views.sitemap,
        {"sitemaps": IMAGE_SITEMAPS, "template_name": "sitemaps/image_sitemap.xml"},
        name="image-sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Language sections: the latest articles, the archive and the feeds of one language.
    path("<language:language>/", views.HomeView.as_view(), name="language-home"),
    path(
        "<language:language>/articles/",
        views.ArticleListView.as_view(),
        name="language-article-list",
    ),
    path("<language:language>/feeds/rss/", feeds.LanguageArticleFeed(), name="language-feed"),
    path(
        "<language:language>/feeds/atom/",
        feeds.AtomLanguageArticleFeed(),
        name="language-atom-feed",
    ),
]
