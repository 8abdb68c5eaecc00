import functools

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Count, prefetch_related_objects
from django.http import FileResponse, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from cpc_site.caching import cached_count, cached_value, get_fragment, load_fragments

from . import languages, more_from, pdfs, prerender, search
from .citations import citation_formats, citation_html
from .forms import SearchForm
from .models import Article, Author, Topic, byline_prefetch, detail_prefetches
from .policy import policy

LIST_PAGE_SIZE = 12
SEARCH_PAGE_SIZE = 20
INDEX_PAGE_SIZE = 60
FAVICON_MAX_AGE = 7 * 24 * 3600
TOPIC_KIND_HEADINGS = {
    Topic.Kind.TOPIC: "Topics",
    Topic.Kind.REGION: "Regions",
    Topic.Kind.SERIES: "Series",
}


class ReaderLanguageMixin:
    """Pages speak the reader's language: the site's default, or the language of what they
    show (an article, a language section), when its interface strings ship (`speak`)."""

    def dispatch(self, request, *args, **kwargs):
        # The template renders here, in the language the view chose while it worked.
        with translation.override(settings.LANGUAGE_CODE):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response

    def speak(self, language):
        translation.activate(languages.interface_language(language))


class LanguageSectionMixin(ReaderLanguageMixin):
    """A list narrowed to one language when the address names one (`/ru/articles/`)."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.section_language = kwargs.get("language")

    def in_section(self, queryset):
        if not self.section_language:
            return queryset
        self.speak(self.section_language)
        return queryset.in_language(self.section_language)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section_language=self.section_language,
            section_language_name=languages.name_of(self.section_language or ""),
            **kwargs,
        )


class PublishedArticlesMixin:
    """Pages show published articles only, with everything their cards need loaded."""

    # How wide a card's picture shows (the `sizes` of its srcset): three columns of cards.
    card_sizes = "(min-width: 68rem) 21rem, (min-width: 38rem) 50vw, 100vw"
    card_layout = "grid"

    def published_articles(self):
        # A card's picture and byline are cached fragments: their rows load (below) only
        # for the cards whose fragment is missing.
        return Article.objects.published()

    def get_paginator(self, queryset, *args, **kwargs):
        paginator = super().get_paginator(queryset, *args, **kwargs)
        paginator.count = cached_count(self.request, queryset)
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(card_sizes=self.card_sizes, **kwargs)
        articles = list(context["object_list"])
        for position, article in enumerate(articles):
            # The first picture is the largest thing on screen: loaded at once, not lazily.
            article.card_image_eager = position == 0
            article.card_image_variant = (
                f"{self.card_layout}-{'eager' if position == 0 else 'lazy'}"
            )
        load_fragments(
            self.request,
            [("card-image", self._card_image_keys(a), a.modified_at) for a in articles]
            + [("card-byline", [a.pk], a.modified_at) for a in articles],
        )
        pictures = [
            a
            for a in articles
            if a.hero_image_id
            and get_fragment(self.request, "card-image", self._card_image_keys(a), a.modified_at)
            is None
        ]
        prefetch_related_objects(pictures, "hero_image")
        bylines = [
            a
            for a in articles
            if get_fragment(self.request, "card-byline", [a.pk], a.modified_at) is None
        ]
        prefetch_related_objects(bylines, byline_prefetch())
        return context

    @staticmethod
    def _card_image_keys(article):
        return [article.pk, article.card_image_variant]


class HomeView(LanguageSectionMixin, PublishedArticlesMixin, ListView):
    """The latest articles; `/<language>/`: the latest in one language."""

    template_name = "articles/home.html"
    context_object_name = "articles"
    paginate_by = LIST_PAGE_SIZE

    def get_queryset(self):
        # The featured card shows its picture uncached.
        return self.in_section(self.published_articles()).select_related("hero_image")


class ArticleListView(LanguageSectionMixin, PublishedArticlesMixin, ListView):
    """The archive: every published article (or those in one language), by type and year."""

    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = LIST_PAGE_SIZE

    def get_queryset(self):
        queryset = self.in_section(self.published_articles())
        self.selected_type = self.request.GET.get("type", "")
        if self.selected_type not in Article.Type.values:
            self.selected_type = ""
        if self.selected_type:
            queryset = queryset.filter(article_type=self.selected_type)
        year = self.request.GET.get("year", "")
        self.selected_year = int(year) if year.isdigit() and 1900 < int(year) < 3000 else None
        if self.selected_year:
            queryset = queryset.filter(published_at__year=self.selected_year)
        return queryset

    def get_context_data(self, **kwargs):
        years = [
            d.year
            for d in self.in_section(Article.objects.published()).dates(
                "published_at", "year", "DESC"
            )
        ]
        return super().get_context_data(
            types=Article.Type.choices,
            years=years,
            selected_type=self.selected_type,
            selected_year=self.selected_year,
            **kwargs,
        )


class ArticleDetailView(ReaderLanguageMixin, DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"
    # Cached parts of the page ({% cachedfragment %}, cpc_site.caching): each shows only this
    # article and what its change stamp covers (the "More from" lists, which show other
    # articles, are filled for every response: articles.more_from).
    fragments = ("article-head", "article-content", "article-authors", "article-related")

    def get_queryset(self):
        return Article.objects.published().for_detail()

    # The article to render, loaded with `for_detail()`: set by the job that stores
    # renderings (articles.prerender), which keeps the page with its "More from" slots.
    prerendering = None
    stored = None  # a current stored rendering

    def get_object(self, queryset=None):
        """The article row; its related rows only when neither a stored rendering
        (articles.prerender) nor the cached fragments have them."""
        if self.prerendering is not None:
            self.speak(self.prerendering.language)
            return self.prerendering
        published = Article.objects.published()
        if prerender.serves(self.request):
            # First only what serving a stored page needs (not the article's body).
            article = super().get_object(
                published.select_related("rendering").only(
                    *prerender.KEY_FIELDS,
                    "rendering__built_for",
                    "rendering__page",
                    "rendering__page_deflated",
                    "rendering__page_deflated_sizes",
                )
            )
            rendering = prerender.current_rendering(self.request, article)
            if rendering is not None:
                self.speak(article.language)
                self.stored = rendering
                return article
        article = super().get_object(published.select_related("hero_image", "social_image"))
        self.speak(article.language)
        fragments = [(name, [article.pk], article.modified_at) for name in self.fragments]
        if not load_fragments(self.request, fragments):
            prefetch_related_objects([article], *detail_prefetches())
        return article

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.stored is None:
            response = self.render_to_response(self.get_context_data(object=self.object))
            if self.prerendering is not None:  # stored with its slots, filled when served
                return response
            page = response.rendered_content
        else:
            compressed = prerender.compressed_response(request, self.stored, self.object)
            if compressed is not None:
                return compressed
            page = self.stored.page
        return HttpResponse(more_from.fill(page, self.object, request))

    def get_context_data(self, **kwargs):
        article = self.object
        return super().get_context_data(
            citations=SimpleLazyObject(lambda: citation_html(article)),
            citation_downloads=[
                (label, reverse("articles:article-citation", args=[article.slug, fmt]))
                for fmt, label in (("bib", "BibTeX"), ("ris", "RIS"), ("json", "CSL-JSON"))
            ],
            **kwargs,
        )


@method_decorator([staff_member_required, never_cache], name="dispatch")
class ArticlePreviewView(ArticleDetailView):
    """An article as a reader would see it, for staff who may edit it. Never cached."""

    def get_queryset(self):
        return Article.objects.for_detail().select_related("social_image", "working_copy_of")

    def get_object(self, queryset=None):
        article = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not policy.may_preview(self.request.user, article):
            raise PermissionDenied
        self.speak(article.language)
        return article

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            is_preview=True, preview_banner=preview_banner(self.object), **kwargs
        )


def preview_banner(article):
    """What the preview says about who can see the article, in its state."""
    if article.is_working_copy:
        return (
            "Preview of the working copy. Readers see the published version until these "
            "changes are published."
        )
    if article.is_live:
        return "Preview: this is the published article, as readers see it."
    if article.is_scheduled:
        when = date_format(timezone.localtime(article.published_at), "j F Y, H:i")
        return f"Preview: scheduled for {when}. Readers cannot see it before then."
    if article.status == Article.Status.ARCHIVED:
        return "Preview: archived. Readers cannot see it."
    return (
        f"Preview: {article.get_status_display().lower()}. Readers cannot see this page until "
        "it is published."
    )


class AuthorListView(ListView):
    """Everyone with at least one published article, with how many."""

    template_name = "articles/author_list.html"
    context_object_name = "authors"
    paginate_by = INDEX_PAGE_SIZE

    def get_queryset(self):
        return (
            Author.objects.filter(articles__in=Article.objects.published())
            .annotate(article_count=Count("articles"))
            .select_related("photo")
            .order_by("name", "pk")
        )


class AuthorDetailView(PublishedArticlesMixin, ListView):
    template_name = "articles/author_detail.html"
    context_object_name = "articles"
    paginate_by = LIST_PAGE_SIZE

    def get_queryset(self):
        self.author = get_object_or_404(
            Author.objects.public().select_related("photo"), slug=self.kwargs["slug"]
        )
        return self.published_articles().filter(article_authors__author=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class TopicListView(ListView):
    """Topics, regions and series that have published articles, with how many."""

    template_name = "articles/topic_list.html"
    context_object_name = "topics"

    def get_queryset(self):
        return (
            Topic.objects.filter(articles__in=Article.objects.published())
            .annotate(article_count=Count("articles"))
            .order_by("kind", "name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups = {}
        for topic in context["topics"]:
            groups.setdefault(TOPIC_KIND_HEADINGS[topic.kind], []).append(topic)
        context["topic_groups"] = groups
        return context


class TopicDetailView(PublishedArticlesMixin, ListView):
    template_name = "articles/topic_detail.html"
    context_object_name = "articles"
    paginate_by = LIST_PAGE_SIZE

    def get_queryset(self):
        self.topic = get_object_or_404(Topic.objects.public(), slug=self.kwargs["slug"])
        return self.published_articles().filter(article_topics__topic=self.topic)

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


class SearchView(PublishedArticlesMixin, ListView):
    """Full-text search; an empty or unmatched query gets a helpful page, never an error."""

    template_name = "articles/search.html"
    context_object_name = "articles"
    paginate_by = SEARCH_PAGE_SIZE
    # Results are one column as wide as the text (--measure).
    card_sizes = "(min-width: 44rem) 42rem, 100vw"
    card_layout = "column"

    def get_queryset(self):
        # The topics offered change only with content: kept with the content generation.
        topics = cached_value(self.request, "search-topics", [], SearchForm.topic_choices)
        self.form = SearchForm(self.request.GET or None, topics=topics)
        self.form.is_valid()  # a filter that does not validate is ignored, its message shown
        self.query = self.form.value("q") or ""
        self.language = self.request.GET.get("language", "")
        if self.language not in languages.codes():
            self.language = ""
        articles = self.form.filter(self.published_articles())
        # A result card shows no body: leave the longest column in the database.
        results = search.search_articles(
            articles, self.query, language=self.language or None
        ).defer("body")
        if self.form.newest_first:
            results = results.order_by("-published_at", "-pk")
        return results

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form,
            query=self.query,
            results_limit=search.MAX_RESULTS,
            search_languages=languages.choices(),
            selected_language=self.language,
            **kwargs,
        )


AUTHOR_SUGGESTIONS = 10


@require_GET
def author_suggestions(request):
    """Names for the search page's author field as a reader types (JSON, at least two
    characters): `{"authors": [{"name": …, "slug": …}]}`."""
    text = search.clean_query(request.GET.get("q"))
    authors = []
    if len(text) >= 2:
        matches = SearchForm.author_matches(text).values("name", "slug")
        authors = list(matches[:AUTHOR_SUGGESTIONS])
    return JsonResponse({"authors": authors}, json_dumps_params={"ensure_ascii": False})


class ArticlePDFView(DetailView):
    """The article as a PDF: the stored one when current, else built now (a job normally has)."""

    def get_queryset(self):
        return Article.objects.published().for_detail()

    def render_to_response(self, context):
        article = self.object
        pdf = pdfs.current_pdf(article) or pdfs.build_pdf(article)
        return FileResponse(
            default_storage.open(pdf.file.name, "rb"),
            content_type="application/pdf",
            filename=f"{article.slug}.pdf",
        )


CITATION_DOWNLOADS = {
    "bib": ("bibtex", "application/x-bibtex; charset=utf-8"),
    "ris": ("ris", "application/x-research-info-systems; charset=utf-8"),
    "json": ("csl", "application/vnd.citationstyles.csl+json; charset=utf-8"),
}


class ArticleCitationView(DetailView):
    """The article's citation as a file for reference managers (BibTeX, RIS, CSL-JSON)."""

    def get_queryset(self):
        return Article.objects.published().for_listing()

    def render_to_response(self, context):
        key, content_type = CITATION_DOWNLOADS[self.kwargs["fmt"]]
        citation = citation_formats(self.object)[key]
        if key == "csl":
            response = JsonResponse(
                [citation], safe=False, json_dumps_params={"ensure_ascii": False, "indent": 2}
            )
            response["Content-Type"] = content_type
        else:
            response = HttpResponse(citation, content_type=content_type)
        filename = f"{self.object.slug}.{self.kwargs['fmt']}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@require_GET
@cache_control(max_age=FAVICON_MAX_AGE, public=True)
def favicon(request):
    """/favicon.ico, which browsers ask for whatever the page says."""
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")


@functools.cache
def _favicon_bytes():
    return (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /search/",
        "Allow: /",
        "",
        f"Sitemap: {settings.SITE_URL}{reverse('articles:sitemap')}",
        f"Sitemap: {settings.SITE_URL}{reverse('articles:image-sitemap')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def server_error(request):
    """The 500 page in the site's design, rendered without the database or the request."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"SITE_NAME": settings.SITE_NAME}))
