"""The partner API (/api/v1/): read-only endpoints over published content (`views`), the change
feed (`changes`), and what they share (`base`: visibility, parameters, headers; `pagination`:
pages and cursors)."""

from .base import articles_visible_to
from .changes import ChangeFeedViewSet
from .views import ArticleViewSet, AuthorViewSet, TopicViewSet

__all__ = [
    "ArticleViewSet",
    "AuthorViewSet",
    "ChangeFeedViewSet",
    "TopicViewSet",
    "articles_visible_to",
]
