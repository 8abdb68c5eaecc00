"""The change feed (/api/v1/changes/): every event in commit order, for replay and polling."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from cpc_site.api_errors import InvalidParameters

from .. import changes, services
from .base import PartnerAPIMixin, positive_int


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
    language = serializers.CharField(
        help_text="The article's language (BCP 47 code) at that time; a partner that syndicates "
        "one language can skip the others without fetching them."
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
    next_url = serializers.URLField(help_text="The next request to make.")


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
    cacheable = False  # see public_cache_control

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
        limit = positive_int(request, "limit", default=100, maximum=CHANGES_LIMIT_MAX)
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
                "next_url": next_url,
            }
        )
