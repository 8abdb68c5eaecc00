"""The partner API, version 1: one router, the schema, the docs, and problem+json 404s."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from articles.api import ArticleViewSet, AuthorViewSet, ChangeFeedViewSet, TopicViewSet

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("articles", ArticleViewSet, basename="article")
router.register("authors", AuthorViewSet, basename="author")
router.register("topics", TopicViewSet, basename="topic")
router.register("changes", ChangeFeedViewSet, basename="change")


class NotFoundView(APIView):
    """Any other address under /api/v1/: a problem+json 404 whatever the method."""

    schema = None

    def initial(self, request, *args, **kwargs):
        raise NotFound("There is no API endpoint at this address.")


urlpatterns = [
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="not-found"),  # any path, newlines too
]
