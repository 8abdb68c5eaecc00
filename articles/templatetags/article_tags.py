"""Page furniture for articles: absolute URLs, structured data, social tags."""

import json
from urllib.parse import quote, urlencode

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import languages, more_from

from ..credits import licence_url

register = template.Library()

SCHEMA_TYPES = {
    "analysis": "AnalysisNewsArticle",
    "commentary": "OpinionNewsArticle",
    "report": "ReportageNewsArticle",
    "event_summary": "ReportageNewsArticle",
    "news": "NewsArticle",
}
# What json_script escapes, so that no value can end the <script> element early.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def absolute(url):
    """An absolute URL on the public site for a path (media, pages); full URLs pass through."""
    if not url or url.startswith(("http://", "https://", "//")):
        return url
    return settings.SITE_URL + url


def image_object(image):
    data = {
        "@type": "ImageObject",
        "url": absolute(image.file.url),
        "contentUrl": absolute(image.file.url),
        "width": image.width,
        "height": image.height,
        "description": image.alt_text,
    }
    if image.caption:
        data["caption"] = image.caption
    if image.credit:
        data["creditText"] = image.credit
    data |= licence_properties(image.licence)
    if image.credit_link:
        data["acquireLicensePage"] = image.credit_link
    return data


def licence_properties(licence):
    """`license` is a URL for schema.org: Creative Commons names become their deed; other
    text (e.g. "All rights reserved") is a `copyrightNotice`."""
    if not licence:
        return {}
    url = licence_url(licence)
    return {"license": url} if url else {"copyrightNotice": licence}


def publisher_logo_url():
    logo = settings.PUBLISHER_LOGO
    return absolute(logo if logo.startswith(("http://", "https://", "/")) else static(logo))


def publisher():
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL + "/",
        "logo": {
            "@type": "ImageObject",
            "url": publisher_logo_url(),
            "width": settings.PUBLISHER_LOGO_WIDTH,
            "height": settings.PUBLISHER_LOGO_HEIGHT,
        },
    }


def article_schema(article):
    """schema.org JSON-LD of an article, from the detail prefetch and its published
    translations (`Article.published_translations`, one query)."""
    data = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(article.article_type, "NewsArticle"),
        "@id": article.public_url,
        "mainEntityOfPage": article.canonical,
        "url": article.public_url,
        "headline": article.title[:110],
        "name": article.title,
        "description": article.meta_description,
        "articleSection": article.get_article_type_display(),
        "keywords": [topic.name for topic in article.topic_list],
        "inLanguage": article.language,
        "wordCount": len(article.body_text.split()),
        "timeRequired": f"PT{article.reading_time}M",
        "isAccessibleForFree": True,
        "publisher": publisher(),
        "author": [
            {"@type": "Person", "name": author.name, "url": absolute(author.get_absolute_url())}
            | ({"jobTitle": author.role} if author.role else {})
            for author in article.ordered_authors
        ]
        or [publisher()],
    }
    data |= licence_properties(article.republication_licence)
    if article.dek:
        data["alternativeHeadline"] = article.dek
    if article.published_at:
        data["datePublished"] = iso(article.published_at)
    data["dateModified"] = iso(max(filter(None, [article.updated_at, article.published_at])))
    images = list(dict.fromkeys(i for i in (article.hero_image, article.social_image) if i))
    if len(images) == 1:
        data["image"] = image_object(images[0])
    elif images:
        data["image"] = [image_object(image) for image in images]
    citations = []
    for source in article.sources.all():
        work = {"@type": "CreativeWork", "name": source.title}
        if source.url:
            work["url"] = source.url
        if source.publisher:
            work["publisher"] = {"@type": "Organization", "name": source.publisher}
        if source.published_on:
            work["datePublished"] = source.published_on.isoformat()
        citations.append(work)
    if citations:
        data["citation"] = citations
    corrections = [
        {
            "@type": "CorrectionComment",
            "text": correction.note,
            "datePublished": iso(correction.noted_at),
        }
        for correction in article.corrections.all()
    ]
    if corrections:
        data["correction"] = corrections
    data.update(translation_schema(article))
    return data


def translation_schema(article):
    """`translationOfWork` (the published source) and `workTranslation` (published
    translations made from this article), from `published_translations`."""
    data = {}
    for other in article.published_translations:
        work = {"@id": other.public_url, "inLanguage": other.language}
        if other.language == article.translated_from:
            data["translationOfWork"] = work
        elif other.translated_from == article.language:
            data.setdefault("workTranslation", []).append(work)
    return data


def json_ld_script(data):
    """A JSON-LD data block, escaped like json_script; CSP allows it (it is not executed)."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=None)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(JSON_SCRIPT_ESCAPES)),
    )


@register.simple_tag
def article_json_ld(article):
    return json_ld_script(article_schema(article))


def share_urls(article):
    """(label, URL) of each place to share an article: plain links, no tracking script."""
    url, title = article.public_url, article.title
    return [
        (
            "E-mail",
            "mailto:?" + urlencode({"subject": title, "body": f"{title}\n{url}"}, quote_via=quote),
        ),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})),
        ("X", "https://x.com/intent/post?" + urlencode({"text": title, "url": url})),
        ("Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": f"{title} {url}"})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
    ]


@register.inclusion_tag("includes/share_links.html")
def share_links(article):
    return {"links": share_urls(article), "url": article.public_url}


@register.simple_tag
def site_json_ld():
    return json_ld_script(
        {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": settings.SITE_NAME,
            "url": settings.SITE_URL + "/",
            "potentialAction": {
                "@type": "SearchAction",
                "target": settings.SITE_URL + "/search/?q={search_term_string}",
                "query-input": "required name=search_term_string",
            },
        }
    )


@register.inclusion_tag("includes/article_meta.html")
def article_meta_tags(article):
    """Canonical link, OpenGraph and Twitter card tags for an article page."""
    return {"article": article, "SITE_NAME": settings.SITE_NAME}


@register.simple_tag
def more_from_slot(author):
    """Where the author's "More from" list goes (filled per response: articles.more_from)."""
    return more_from.slot(author.pk)


@register.filter
def iso(value):
    """An ISO 8601 date-time to the second, as HTML's datetime attribute accepts it."""
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


@register.filter
def lang_attr(language):
    """` lang="…"` for content in another language than the page's, else nothing."""
    if language and language != translation.get_language():
        return format_html(' lang="{}"', language)
    return ""


@register.simple_tag
def display_name(obj, language):
    """An author's or topic's name as readers of `language` see it, marked with its language
    when that is not the page's."""
    name, name_language = obj.localized_name(language)
    marker = lang_attr(name_language)
    return format_html("<span{}>{}</span>", marker, name) if marker else name


@register.simple_tag
def language_sections():
    """The site's content languages, each with its section's address."""
    return [
        {
            "code": code,
            "name": languages.name_of(code),
            "url": reverse("articles:language-home", kwargs={"language": code}),
        }
        for code in languages.codes()
    ]
