from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView

from .citations import citation_formats
from .models import Article, Author, Topic


class PublishedArticlesMixin:
    """Pages show published articles only, with everything a listing needs prefetched."""

    def published_articles(self):
        return Article.objects.published().for_listing()


class HomeView(PublishedArticlesMixin, ListView):
    template_name = "articles/home.html"
    context_object_name = "articles"
    paginate_by = 12

    def get_queryset(self):
        return self.published_articles()


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.published().for_detail()


@method_decorator([staff_member_required, never_cache], name="dispatch")
class ArticlePreviewView(ArticleDetailView):
    """A draft as a reader would see it, for staff who may edit it. Never cached."""

    def get_queryset(self):
        return Article.objects.for_detail()

    def get_object(self, queryset=None):
        article = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not (
            article.editable_by(self.request.user)
            or self.request.user.has_perm("articles.view_article")
        ):
            raise PermissionDenied
        return article

    def get_context_data(self, **kwargs):
        return super().get_context_data(is_preview=True, **kwargs)


class AuthorDetailView(PublishedArticlesMixin, ListView):
    template_name = "articles/author_detail.html"
    context_object_name = "articles"
    paginate_by = 12

    def get_queryset(self):
        self.author = get_object_or_404(
            Author.objects.select_related("photo"), slug=self.kwargs["slug"]
        )
        return self.published_articles().filter(article_authors__author=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class TopicDetailView(PublishedArticlesMixin, ListView):
    template_name = "articles/topic_detail.html"
    context_object_name = "articles"
    paginate_by = 12

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return self.published_articles().filter(article_topics__topic=self.topic)

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


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
