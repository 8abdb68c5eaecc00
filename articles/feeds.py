"""RSS 2.0 and Atom (RFC 4287) feeds: the whole site, per author and per topic."""

import mimetypes

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed

from . import languages
from .models import Article, Author, Topic
from .templatetags.article_tags import absolute

FEED_SIZE = 30


class ArticleRssFeedType(Rss201rev2Feed):
    """RSS 2.0 with every author as dc:creator (RSS's own <author> wants an e-mail address)."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:dc": "http://purl.org/dc/elements/1.1/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, _uri in item["all_authors"][1:]:
            handler.addQuickElement("dc:creator", name)
        handler.addQuickElement("dc:rights", item["licence"])
        handler.addQuickElement("dc:language", item["language"])


class ArticleAtomFeedType(Atom1Feed):
    """Atom with every author, the licence as <rights>, the original home as rel=via, and
    `xml:lang` on entries in another language than the feed's."""

    def item_attributes(self, item):
        if item["language"] != self.feed["language"]:
            return {"xml:lang": item["language"]}
        return {}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, uri in item["all_authors"][1:]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", uri)
            handler.endElement("author")
        if item["original_url"]:
            handler.addQuickElement("link", "", {"rel": "via", "href": item["original_url"]})


class ArticleFeed(Feed):
    """The site's latest published articles as RSS 2.0."""

    feed_type = ArticleRssFeedType
    feed_path = "/feeds/rss/"
    description_template = None

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Django dates a feed by its newest item, which does not move when an item is
        # unpublished or deleted: If-Modified-Since would then confirm (304) a copy that still
        # lists it. Without the header, conditional requests use the ETag (a content hash).
        response.headers.pop("Last-Modified", None)
        return response

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = self.feed_language(obj)
        return feed

    def feed_language(self, obj):
        """The feed's language; items in another one say theirs."""
        return settings.DEFAULT_CONTENT_LANGUAGE

    def title(self, obj=None):
        return settings.SITE_NAME

    def link(self, obj=None):
        return settings.SITE_URL + "/"

    def feed_url(self, obj=None):
        return settings.SITE_URL + self.feed_path

    def description(self, obj=None):
        return f"The latest analysis and commentary from {settings.SITE_NAME}."

    def subtitle(self, obj=None):
        return self.description(obj)

    def feed_copyright(self, obj=None):
        return f"Republication licence: {settings.DEFAULT_REPUBLICATION_LICENCE}"

    def author_name(self, obj=None):
        return settings.SITE_NAME

    def author_link(self, obj=None):
        return settings.SITE_URL + "/"

    def feed_guid(self, obj=None):
        return self.feed_url(obj)

    def articles(self, obj):
        return Article.objects.published()

    def items(self, obj=None):
        return self.articles(obj).for_listing()[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        parts = [item.dek, item.excerpt] if item.dek else [item.excerpt]
        return " — ".join(parts)

    def item_link(self, item):
        return item.public_url

    def item_guid(self, item):
        return item.public_url

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def _authors(self, item):
        authors = [(a.name, absolute(a.get_absolute_url())) for a in item.ordered_authors]
        return authors or [(settings.SITE_NAME, settings.SITE_URL + "/")]

    def item_author_name(self, item):
        return self._authors(item)[0][0]

    def item_author_link(self, item):
        return self._authors(item)[0][1]

    def item_categories(self, item):
        return [topic.name for topic in item.topic_list]

    def item_copyright(self, item):
        return item.republication_licence

    def item_enclosures(self, item):
        image = item.hero_image
        if not image:
            return []
        mime_type = mimetypes.guess_type(image.file.name)[0] or "image/jpeg"
        try:
            length = str(image.file.size)
        except OSError:  # the file is gone from storage: 0 means "unknown" in RSS
            length = "0"
        return [Enclosure(absolute(image.file.url), length, mime_type)]

    def item_extra_kwargs(self, item):
        return {
            "all_authors": self._authors(item),
            "licence": item.republication_licence,
            "original_url": item.canonical_url,
            "language": item.language,
        }


class AtomArticleFeed(ArticleFeed):
    feed_type = ArticleAtomFeedType
    feed_path = "/feeds/atom/"


class AuthorArticleFeed(ArticleFeed):
    """One author's published articles."""

    def get_object(self, request, slug):
        return get_object_or_404(Author.objects.public(), slug=slug)

    def title(self, obj=None):
        return f"{obj.name} · {settings.SITE_NAME}"

    def link(self, obj=None):
        return absolute(obj.get_absolute_url())

    def feed_url(self, obj=None):
        return absolute(reverse("articles:author-feed", kwargs={"slug": obj.slug}))

    def description(self, obj=None):
        return f"Articles by {obj.name} at {settings.SITE_NAME}."

    def articles(self, obj):
        return Article.objects.published().filter(article_authors__author=obj)


class AtomAuthorArticleFeed(AuthorArticleFeed):
    feed_type = ArticleAtomFeedType

    def feed_url(self, obj=None):
        return absolute(reverse("articles:author-atom-feed", kwargs={"slug": obj.slug}))


class TopicArticleFeed(ArticleFeed):
    """Published articles on one topic, region or series."""

    def get_object(self, request, slug):
        return get_object_or_404(Topic.objects.public(), slug=slug)

    def title(self, obj=None):
        return f"{obj.name} · {settings.SITE_NAME}"

    def link(self, obj=None):
        return absolute(obj.get_absolute_url())

    def feed_url(self, obj=None):
        return absolute(reverse("articles:topic-feed", kwargs={"slug": obj.slug}))

    def description(self, obj=None):
        return obj.description or f"Articles on {obj.name} at {settings.SITE_NAME}."

    def articles(self, obj):
        return Article.objects.published().filter(article_topics__topic=obj)


class AtomTopicArticleFeed(TopicArticleFeed):
    feed_type = ArticleAtomFeedType

    def feed_url(self, obj=None):
        return absolute(reverse("articles:topic-atom-feed", kwargs={"slug": obj.slug}))


class LanguageArticleFeed(ArticleFeed):
    """The latest published articles in one language (`/ru/feeds/rss/`)."""

    def get_object(self, request, language):
        return language

    def feed_language(self, obj):
        return obj

    def title(self, obj=None):
        return f"{settings.SITE_NAME} ({languages.name_of(obj)})"

    def link(self, obj=None):
        return absolute(reverse("articles:language-home", kwargs={"language": obj}))

    def feed_url(self, obj=None):
        return absolute(reverse("articles:language-feed", kwargs={"language": obj}))

    def articles(self, obj):
        return Article.objects.published().in_language(obj)


class AtomLanguageArticleFeed(LanguageArticleFeed):
    feed_type = ArticleAtomFeedType

    def feed_url(self, obj=None):
        return absolute(reverse("articles:language-atom-feed", kwargs={"language": obj}))
