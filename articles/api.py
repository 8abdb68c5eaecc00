"""The partner API (/api/v1/): read-only viewsets over published content.

Visibility is `Article.objects.published()`; a key with the embargo scope also sees scheduled
articles (marked `embargoed_until`). Nothing else is ever shown.
"""

from django.conf import settings
from django.core.paginator import InvalidPage
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from cpc_site.api_errors import InvalidParameters
from cpc_site.caching import cached_count, cached_items, fragments_enabled
from partners.models import PartnerKey

from . import changes, services
from .api_filters import ArticleFilter, StrictFilterBackend, check_query_params
from .models import Article, Author, Topic, listing_prefetches
from .revisions import published_revisions
from .serializers import (
    ArticleDetailSerializer,
    ArticleSummarySerializer,
    AuthorSerializer,
    RevisionSerializer,
    TopicSerializer,
)

PAGE_PARAMS = {"page", "page_size"}
DIGITS = frozenset("0123456789")


def articles_visible_to(key):
    """Published articles, plus scheduled ones for a key with the embargo scope."""
    articles = Article.objects.published()
    if key is not None and key.can_see_embargoed:
        articles = articles | Article.objects.scheduled()
    return articles


def _positive_int(request, name, *, default, maximum):
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (set(raw) <= DIGITS) or len(raw) > 9 or int(raw) < 1:
        raise InvalidParameters([(name, "Must be a whole number of at least 1.")])
    if maximum is not None and int(raw) > maximum:
        raise InvalidParameters([(name, f"Must be at most {maximum}.")])
    return int(raw)


class PagePagination(PageNumberPagination):
    """`page` and `page_size` (1–100); a page past the end is a 400, not an empty list."""

    page_size_query_param = "page_size"

    @property
    def page_size(self):
        return settings.API_PAGE_SIZE

    @property
    def max_page_size(self):
        return settings.API_PAGE_SIZE_MAX

    def get_page_size(self, request):
        return _positive_int(
            request, "page_size", default=self.page_size, maximum=self.max_page_size
        )

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        number = _positive_int(request, "page", default=1, maximum=None)
        paginator = self.django_paginator_class(queryset, page_size)
        paginator.count = cached_count(request, queryset, ignore=("page", "page_size", "fields"))
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            raise InvalidParameters(
                [("page", f"Past the end: there are {paginator.num_pages} page(s).")]
            ) from None
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == "page_size":
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = f"Results per page (1–{self.max_page_size})."
        return parameters


class JSONOnlyNegotiation(BaseContentNegotiation):
    """The API speaks JSON whatever the Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class HasScope(permissions.BasePermission):
    """The request's key holds the view's `required_scope`; without a key, a 401."""

    code = "scope_required"

    def has_permission(self, request, view):
        key = request.auth if isinstance(request.auth, PartnerKey) else None
        if key is None:
            return False
        self.message = f"This API key lacks the `{view.required_scope}` scope."
        return view.required_scope in key.scopes


class PartnerAPIMixin:
    """Strict query parameters, cache headers and Last-Modified for every endpoint."""

    content_negotiation_class = JSONOnlyNegotiation
    pagination_class = PagePagination
    list_params = PAGE_PARAMS
    detail_params = frozenset()
    last_change = None

    @property
    def partner_key(self):
        auth = getattr(self.request, "auth", None)
        return auth if isinstance(auth, PartnerKey) else None

    def allowed_query_params(self):
        return self.list_params if self.action == "list" else self.detail_params

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method.lower() not in self.http_method_names or not hasattr(
            self, request.method.lower()
        ):
            self.http_method_not_allowed(request)
        check_query_params(request, self.allowed_query_params())

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization"])
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            if self.partner_key is not None:
                patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
            else:
                patch_cache_control(response, **self.public_cache_control())
            # The last change this client could see, from the change log (articles.changes):
            # annotated onto the rows the view read, else read on its own.
            moment = self.last_change
            if moment is None:
                moment = changes.last_change(self.audiences())
            last_modified = changes.http_last_modified(moment)
            if last_modified is not None:
                response.headers["Last-Modified"] = last_modified
        return response

    def audiences(self):
        return changes.audiences_for(self.partner_key)

    def with_last_change(self, queryset):
        """`queryset` with the moment of the last change this client could see on each row."""
        return queryset.annotate(
            last_change=changes.last_change_expression(self.audiences(), timezone.now())
        )

    def remember_last_change(self, rows):
        rows = list(rows)
        if rows and hasattr(rows[0], "last_change"):
            self.last_change = rows[0].last_change

    def public_cache_control(self):
        return {"public": True, "max_age": settings.API_CACHE_MAX_AGE}


def fields_parameter(serializer_class):
    return OpenApiParameter(
        "fields",
        {
            "type": "array",
            "items": {"type": "string", "enum": serializer_class.field_names()},
            "minItems": 1,
        },
        OpenApiParameter.QUERY,
        style="form",
        explode=False,
        description="Sparse fields: only these fields of each article, e.g. `title,slug,authors`.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="List articles",
        parameters=[fields_parameter(ArticleSummarySerializer)],
        tags=["articles"],
    ),
    retrieve=extend_schema(
        summary="One article",
        parameters=[fields_parameter(ArticleDetailSerializer)],
        tags=["articles"],
    ),
)
class ArticleViewSet(PartnerAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Published articles; with the embargo scope also scheduled ones (`embargoed_until`)."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filter_backends = [StrictFilterBackend]
    filterset_class = ArticleFilter
    list_params = frozenset({*PAGE_PARAMS, "fields", *ArticleFilter.base_filters})
    detail_params = frozenset({"fields"})
    required_scope = None

    def get_queryset(self):
        articles = self.with_last_change(articles_visible_to(self.partner_key))
        if self.action == "retrieve":
            return articles.for_detail()
        if self.action == "list":
            if fragments_enabled(self.request):
                # Items come from the fragment cache: only misses load their related rows.
                return articles.defer("body")
            return articles.select_related("hero_image")
        return articles.for_listing()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ArticleDetailSerializer
        return ArticleSummarySerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["selected_fields"] = self.selected_fields()
        return context

    def selected_fields(self):
        raw = self.request.query_params.get("fields") if self.request else None
        if raw is None:
            return None
        names = [name.strip() for name in raw.split(",")]
        known = self.get_serializer_class().field_names()
        unknown = [name for name in names if name not in known]
        if unknown or not all(names):
            raise InvalidParameters(
                [
                    (
                        "fields",
                        f"Unknown field(s): {', '.join(unknown) or '(empty)'}; "
                        f"choose from {', '.join(known)}.",
                    )
                ]  # fmt: skip
            )
        return names

    def list(self, request, *args, **kwargs):
        self.selected_fields()  # refuse a bad selection before any query
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        self.remember_last_change(page)
        items = cached_items(
            request,
            "api-article",
            page,
            self.serialize_list_items,
            vary=[request.query_params.get("fields", "")],
        )
        return self.get_paginated_response(items)

    def serialize_list_items(self, articles):
        prefetch_related_objects(articles, "hero_image", *listing_prefetches())
        return self.get_serializer(articles, many=True).data

    def retrieve(self, request, *args, **kwargs):
        self.selected_fields()
        article = self.get_object()
        self.remember_last_change([article])
        return Response(self.get_serializer(article).data)

    @extend_schema(
        summary="Published revisions of an article (revisions scope)",
        responses=RevisionSerializer(many=True),
        filters=False,
        parameters=[],
        tags=["articles"],
    )
    @action(
        detail=True,
        url_path="revisions",
        permission_classes=[HasScope],
        required_scope="revisions",
        filter_backends=[],
    )
    def revisions(self, request, slug=None):
        article = self.get_object()
        self.remember_last_change([article])
        page = self.paginate_queryset(published_revisions(article))
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)

    def allowed_query_params(self):
        if self.action == "revisions":
            return PAGE_PARAMS
        return super().allowed_query_params()

    def get_object(self):
        if self.action == "retrieve":
            queryset = self.get_queryset()
        else:
            queryset = self.with_last_change(articles_visible_to(self.partner_key))
        return get_object_or_404(queryset, slug=self.kwargs["slug"])


class _ProfileViewSet(PartnerAPIMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return self.with_last_change(self.queryset)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self.remember_last_change(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        item = self.get_object()
        self.remember_last_change([item])
        return Response(self.get_serializer(item).data)


@extend_schema_view(
    list=extend_schema(summary="List authors", tags=["authors"]),
    retrieve=extend_schema(summary="One author", tags=["authors"]),
)
class AuthorViewSet(_ProfileViewSet):
    queryset = Author.objects.select_related("photo").order_by("name", "pk")
    serializer_class = AuthorSerializer


@extend_schema_view(
    list=extend_schema(summary="List topics, regions and series", tags=["topics"]),
    retrieve=extend_schema(summary="One topic", tags=["topics"]),
)
class TopicViewSet(_ProfileViewSet):
    queryset = Topic.objects.order_by("name", "pk")
    serializer_class = TopicSerializer


class ChangeEventSerializer(serializers.Serializer):
    event = serializers.ChoiceField(
        source="kind",
        choices=changes.ARTICLE_EVENTS,
        help_text="`embargoed` (only for keys with the embargo scope): the article is scheduled "
        "for `embargoed_until`, or changed while scheduled.",
    )
    id = serializers.IntegerField(source="object_id", help_text="The article id (stable).")
    slug = serializers.CharField(help_text="The article slug at that time.")
    previous_slug = serializers.SerializerMethodField(
        help_text="On `updated` and `embargoed`: the slug before a rename; otherwise null."
    )
    time = serializers.DateTimeField(source="recorded_at", help_text="When the change was made.")
    modified_at = serializers.DateTimeField(
        help_text="The article's modification time after this change (its `modified_at`)."
    )
    embargoed_until = serializers.DateTimeField(
        allow_null=True, help_text="On `embargoed`: do not publish before this time."
    )
    cursor = serializers.SerializerMethodField(help_text="Resume after this event.")

    def get_previous_slug(self, event) -> str | None:
        return event.previous_slug or None

    def get_cursor(self, event) -> str:
        return changes.cursor_of(event).encode()


@extend_schema_serializer(many=False)
class ChangeFeedSerializer(serializers.Serializer):
    events = ChangeEventSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Pass as `since` next time.")
    has_more = serializers.BooleanField()
    next = serializers.URLField(help_text="The next request to make.")


CHANGES_LIMIT_MAX = 500


@extend_schema_view(
    list=extend_schema(
        summary="Change feed: what was published, updated, unpublished or deleted",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.STR,
                description="A cursor from an earlier answer (`next_cursor`); omit to start "
                "from the beginning.",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": CHANGES_LIMIT_MAX},
                description=f"Events per answer (1–{CHANGES_LIMIT_MAX}, default 100).",
            ),
        ],
        responses=ChangeFeedSerializer,
        tags=["changes"],
    )
)
class ChangeFeedViewSet(PartnerAPIMixin, viewsets.GenericViewSet):
    """Replay from the start, then poll with `since=<next_cursor>` to stay in sync."""

    list_params = frozenset({"since", "limit"})
    pagination_class = None
    serializer_class = ChangeEventSerializer

    def public_cache_control(self):
        # Revalidate every time (a 304 is cheap): a stored answer would hide the newest events.
        return {"public": True, "no_cache": True}

    def list(self, request, *args, **kwargs):
        since = changes.START
        if "since" in request.query_params:
            try:
                since = changes.Cursor.decode(request.query_params["since"])
            except changes.BadCursor as error:
                raise InvalidParameters([("since", str(error))]) from None
        limit = _positive_int(request, "limit", default=100, maximum=CHANGES_LIMIT_MAX)
        services.publish_due_articles()  # scheduled articles that came due get their event
        events, has_more = changes.article_events(
            since=since, limit=limit, audiences=self.audiences(), annotate=self.with_last_change
        )
        self.remember_last_change(events)
        next_cursor = (changes.cursor_of(events[-1]) if events else since).encode()
        next_url = request.build_absolute_uri(request.path) + f"?since={next_cursor}"
        return Response(
            {
                "events": ChangeEventSerializer(events, many=True).data,
                "next_cursor": next_cursor,
                "has_more": has_more,
                "next": next_url,
            }
        )
