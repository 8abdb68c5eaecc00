"""The partner API's content endpoints: articles, authors and topics.

Visibility is `Article.objects.published()`; a key with the embargo scope also sees scheduled
articles (marked `embargoed_until`). Nothing else is ever shown.
"""

import json
from operator import attrgetter

from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cpc_site.api_errors import InvalidParameters
from cpc_site.api_renderers import JSONRenderer, StoredJSON
from cpc_site.caching import cached_items, fragments_enabled

from .. import prerender
from ..api_filters import ArticleFilter, StrictFilterBackend
from ..models import (
    Article,
    Author,
    Topic,
    detail_prefetches,
    listing_prefetches,
    load_published_translations,
)
from ..revisions import published_revisions
from ..serializers import (
    ArticleDetailSerializer,
    ArticleSummarySerializer,
    AuthorSerializer,
    RevisionSerializer,
    TopicSerializer,
)
from .base import HasScope, PartnerAPIMixin, articles_visible_to, fields_parameter
from .pagination import PAGE_PARAMS, PageOnlyPagination, keyset_order


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
    repeatable_params = frozenset({"fields"})
    slim_rows = False  # list(): rows loaded only to find stored renderings

    def get_queryset(self):
        articles = self.with_last_change(articles_visible_to(self.partner_key))
        if self.action == "retrieve":
            if prerender.serves(self.request):
                # First only what serving a stored rendering needs (retrieve() loads the
                # rest when there is none).
                return articles.select_related("rendering").only(
                    *prerender.KEY_FIELDS, "rendering__built_for", "rendering__api_detail"
                )
            return articles.select_related("hero_image")
        if self.action == "list":
            # Items come from stored renderings or the fragment cache: only the others load
            # their related rows (serialize_list_items); the image in the same query when
            # no fragment cache answers.
            articles = (
                articles.defer("body")
                .select_related("rendering")
                .defer("rendering__page", "rendering__api_detail")
            )
            if fragments_enabled(self.request):
                return articles
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
        """The `fields` asked for: repeated parameters, comma lists, or both."""
        raw = self.request.query_params.getlist("fields") if self.request else []
        if not raw:
            return None
        names = list(dict.fromkeys(name.strip() for value in raw for name in value.split(",")))
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
        self.slim_rows = prerender.serves(request)
        if self.slim_rows:
            # Items come from stored renderings: the page's rows hold what finds them and
            # orders the list; the others load their rows after (serialize_list_items).
            order = [name for name, _ in keyset_order(queryset) or []]
            queryset = (
                queryset.select_related(None)
                .select_related("rendering")
                .only(*prerender.KEY_FIELDS, *order, "rendering__built_for", "rendering__api_item")
            )
        page = self.paginate_queryset(queryset)
        self.remember_last_change(page)
        stored = {
            article.pk: rendering.api_item
            for article in page
            if (rendering := prerender.current_rendering(request, article)) is not None
        }
        others = [article for article in page if article.pk not in stored]
        rendered = cached_items(
            request,
            "api-article",
            others,
            self.serialize_list_items,
            vary=[",".join(sorted(self.selected_fields() or []))],
            since=attrgetter("modified_at"),
        )
        rendered = dict(zip((article.pk for article in others), rendered, strict=True))
        items = [
            self.stored_representation(stored[article.pk])
            if article.pk in stored
            else rendered[article.pk]
            for article in page
        ]
        return self.get_paginated_response(items)

    def serialize_list_items(self, articles):
        if self.slim_rows:
            rows = Article.objects.defer("body").in_bulk([article.pk for article in articles])
            articles = [rows.get(article.pk, article) for article in articles]
        prefetch_related_objects(articles, "hero_image", *listing_prefetches())
        load_published_translations(articles)
        return self.get_serializer(articles, many=True).data

    def retrieve(self, request, *args, **kwargs):
        self.selected_fields()
        article = self.get_object()
        self.remember_last_change([article])
        rendering = prerender.current_rendering(request, article)
        if rendering is not None:
            return Response(self.stored_representation(rendering.api_detail))
        if prerender.serves(request):  # the first query read only the key fields
            visible = articles_visible_to(self.partner_key).select_related("hero_image")
            article = get_object_or_404(visible, pk=article.pk)
        prefetch_related_objects([article], *detail_prefetches())
        return Response(self.get_serializer(article).data)

    def stored_representation(self, text):
        """A stored rendering's JSON (articles.prerender), narrowed to the `fields` asked for;
        served as it is when all are."""
        selected = self.selected_fields()
        if not selected:
            return StoredJSON(text)
        return {name: value for name, value in json.loads(text).items() if name in selected}

    @classmethod
    def representations(cls, request, article):
        """(list item, detail) of `article` (loaded with `for_detail()`) as JSON text, as
        `request` gets them with no `fields` selection: what articles.prerender stores."""
        context = {"request": request, "selected_fields": None, "format": None, "view": None}
        return (
            JSONRenderer.text(ArticleSummarySerializer(article, context=context).data),
            JSONRenderer.text(ArticleDetailSerializer(article, context=context).data),
        )

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
        pagination_class=PageOnlyPagination,
    )
    def revisions(self, request, slug=None):
        article = self.get_object()
        self.remember_last_change([article])
        page = self.paginate_queryset(published_revisions(article))
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)

    def allowed_query_params(self):
        if self.action == "revisions":
            return PAGE_PARAMS - {"cursor"}
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
        # public() here, not in `queryset`: it reads the clock.
        return self.with_last_change(self.queryset.public())

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
