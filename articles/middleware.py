from django.http import HttpResponsePermanentRedirect

from .models import Article, LegacyPath


class LegacyPathRedirectMiddleware:
    """Answer a 404 at an article's old address with a 301 to its current one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        legacy = (
            LegacyPath.objects.filter(path=request.path, article__in=Article.objects.published())
            .select_related("article")
            .first()
        )
        if legacy is None or legacy.shadows_an_article():
            return response
        target = legacy.article.get_absolute_url()
        if request.META.get("QUERY_STRING"):
            target += "?" + request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(target)
