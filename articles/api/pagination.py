"""Pages for people browsing (`page`), cursors for machines walking a whole list (`cursor`).

A cursor is a keyset position: the values, in the list's order, of the last item a client
got, signed so that it cannot be forged. The next page is what comes after those values in
that order, so a walk never repeats or skips an item because others were added or removed
before it (page numbers shift when an article is published at the head: the same items come
again on the next page, or some are never seen). An item whose own sort key changes during the
walk (a retitled article in `ordering=title`) moves like any item would; the newest-first
default moves only when an editor changes a publication date. For a complete copy, follow the
change feed (`/api/v1/changes/`).
"""

from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.paginator import InvalidPage
from django.db.models import Q
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from cpc_site.api_errors import InvalidParameters
from cpc_site.caching import cached_count

PAGE_PARAMS = frozenset({"page", "page_size", "cursor"})
CURSOR_SALT = "api-list-cursor"
DIGITS = frozenset("0123456789")


def _page_size_or_number(request, name, *, default, maximum):
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (set(raw) <= DIGITS) or len(raw) > 9 or int(raw) < 1:
        raise InvalidParameters([(name, "Must be a whole number of at least 1.")])
    if maximum is not None and int(raw) > maximum:
        raise InvalidParameters([(name, f"Must be at most {maximum}.")])
    return int(raw)


def keyset_order(queryset):
    """The list's order as [(field name, descending)], ending with the primary key; None when
    it is not a plain order of fields (a search's relevance)."""
    order = list(queryset.query.order_by or queryset.model._meta.ordering)
    fields = []
    for item in order:
        if not isinstance(item, str):
            return None
        name = item.lstrip("-")
        if name == "pk":
            name = queryset.model._meta.pk.name
        try:
            queryset.model._meta.get_field(name)
        except Exception:
            return None
        fields.append((name, item.startswith("-")))
    if not fields or fields[-1][0] != queryset.model._meta.pk.name:
        return None
    return fields


def _encode(order, item):
    values = []
    for name, _ in order:
        value = getattr(item, name)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return signing.dumps({"o": [[n, d] for n, d in order], "v": values}, salt=CURSOR_SALT)


def _decode(text, order, model):
    try:
        data = signing.loads(text, salt=CURSOR_SALT)
    except signing.BadSignature:
        raise InvalidParameters([("cursor", "Not a cursor of this list.")]) from None
    if data.get("o") != [[n, d] for n, d in order]:
        raise InvalidParameters(
            [("cursor", "This cursor belongs to another ordering: keep the same `ordering`.")]
        )
    return [
        model._meta.get_field(name).to_python(v)
        for (name, _), v in zip(order, data["v"], strict=True)
    ]


def after(order, values):
    """Q for the items that come after `values` in `order` (keyset pagination)."""
    condition = Q()
    equal = Q()
    for (name, descending), value in zip(order, values, strict=True):
        beyond = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        condition |= equal & beyond
        equal &= Q(**{name: value})
    return condition


class PagePagination(PageNumberPagination):
    """`page` and `page_size` (1–100), or `cursor`; a page past the end is a 400, not an empty
    list. Every answer carries `next_cursor`: continue with `?cursor=` from any page."""

    page_size_query_param = "page_size"
    cursors = True

    @property
    def page_size(self):
        return settings.API_PAGE_SIZE

    @property
    def max_page_size(self):
        return settings.API_PAGE_SIZE_MAX

    def get_page_size(self, request):
        return _page_size_or_number(
            request, "page_size", default=self.page_size, maximum=self.max_page_size
        )

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_now = self.get_page_size(request)
        self.order = keyset_order(queryset) if self.cursors else None
        self.count = cached_count(
            request, queryset, ignore=("page", "page_size", "fields", "cursor")
        )
        if self.cursors and "cursor" in request.query_params:
            return self._cursor_page(queryset, request)
        number = _page_size_or_number(request, "page", default=1, maximum=None)
        paginator = self.django_paginator_class(queryset, self.page_size_now)
        paginator.count = self.count
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            raise InvalidParameters(
                [("page", f"Past the end: there are {paginator.num_pages} page(s).")]
            ) from None
        self.items = list(self.page)
        self.more = self.page.has_next()
        return self.items

    def _cursor_page(self, queryset, request):
        if "page" in request.query_params:
            raise InvalidParameters([("cursor", "Give either `page` or `cursor`, not both.")])
        if self.order is None:
            raise InvalidParameters([("cursor", "Search results are not walked by cursor.")])
        values = _decode(request.query_params["cursor"], self.order, queryset.model)
        rows = list(queryset.filter(after(self.order, values))[: self.page_size_now + 1])
        self.page = None
        self.items, self.more = rows[: self.page_size_now], len(rows) > self.page_size_now
        return self.items

    def next_cursor(self):
        if not self.more or not self.items or self.order is None:
            return None
        return _encode(self.order, self.items[-1])

    def _link(self, **params):
        query = self.request.query_params.copy()
        for name in ("page", "cursor"):
            query.pop(name, None)
        query.update(params)
        return (
            self.request.build_absolute_uri(self.request.path)
            + "?"
            + urlencode(list(query.lists()), doseq=True)
        )

    def get_paginated_response(self, data):
        cursor = self.next_cursor()
        if self.page is not None:
            next_url = self.get_next_link()
            previous_url = self.get_previous_link()
        else:
            next_url = self._link(cursor=cursor) if cursor else None
            previous_url = None
        answer = {"count": self.count, "next_url": next_url, "previous_url": previous_url}
        if self.cursors:
            answer["next_cursor"] = cursor
        return Response({**answer, "results": data})

    def get_paginated_response_schema(self, schema):
        url = {"type": "string", "format": "uri", "nullable": True}
        answer = {
            "type": "object",
            "required": ["count", "next_url", "previous_url", "next_cursor", "results"],
            "properties": {
                "count": {"type": "integer", "description": "Items in the whole list."},
                "next_url": {
                    **url,
                    "description": "The next page (or cursor page); null at the end.",
                },
                "previous_url": {
                    **url,
                    "description": "The previous page; null on the first page and when walking by cursor.",
                },
                "next_cursor": {
                    "type": "string",
                    "nullable": True,
                    "description": "Pass as `cursor` for the items after this answer (works "
                    "from any page); null at the end of the list.",
                },
                "results": schema,
            },
        }
        if not self.cursors:
            answer["required"].remove("next_cursor")
            del answer["properties"]["next_cursor"]
        return answer

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == "page_size":
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = f"Results per page (1–{self.max_page_size})."
        if not self.cursors:
            return parameters
        parameters.append(
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "Walk the list from `next_cursor` of an earlier answer "
                "(instead of `page`): no item is repeated or skipped when others are added or "
                "removed meanwhile. Keep the same filters and `ordering`.",
                "schema": {"type": "string"},
            }
        )
        return parameters


class PageOnlyPagination(PagePagination):
    """Pages only (lists without a keyset order, e.g. revisions)."""

    cursors = False
