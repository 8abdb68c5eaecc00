"""What every endpoint of the partner API shares: visibility, strict parameters, negotiation,
scopes, and the headers of every answer (cache, validators, rate limits)."""

from django.conf import settings
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions
from rest_framework.negotiation import BaseContentNegotiation

from cpc_site.api_errors import InvalidParameters
from partners.models import PartnerKey

from .. import changes
from ..api_filters import check_query_params
from ..models import Article
from .pagination import PAGE_PARAMS, PagePagination

DIGITS = frozenset("0123456789")


def articles_visible_to(key):
    """Published articles, plus scheduled ones for a key with the embargo scope."""
    articles = Article.objects.published()
    if key is not None and key.can_see_embargoed:
        articles = articles | Article.objects.scheduled()
    return articles


def positive_int(request, name, *, default, maximum):
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (set(raw) <= DIGITS) or len(raw) > 9 or int(raw) < 1:
        raise InvalidParameters([(name, "Must be a whole number of at least 1.")])
    if maximum is not None and int(raw) > maximum:
        raise InvalidParameters([(name, f"Must be at most {maximum}.")])
    return int(raw)


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
    """Strict query parameters, cache headers, Last-Modified and rate limits for every
    endpoint."""

    content_negotiation_class = JSONOnlyNegotiation
    pagination_class = PagePagination
    list_params = PAGE_PARAMS
    detail_params = frozenset()
    repeatable_params = frozenset()
    required_scope = None
    last_change = None
    # Whether the response cache may keep keyed answers for every key of the same class.
    cacheable = True

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
        check_query_params(request, self.allowed_query_params(), self.repeatable_params)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "X-Api-Key"])
        access = getattr(request._request, "partner_access", None)
        if access is not None:
            for name, value in access.rate_limit_headers().items():
                response[name] = value
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            if self.partner_key is not None:
                patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
                if self.cacheable and self.required_scope is None:
                    # What this key sees is what every key of its class sees: the response
                    # cache may keep it for them (`cpc_site.caching`).
                    response.shared_audience = (
                        "embargo" if self.partner_key.can_see_embargoed else "public"
                    )
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
        explode=True,
        description="Sparse fields: only these fields of each article. Repeat the parameter "
        "(`fields=title&fields=slug`, as generated clients do) or give a comma-separated list "
        "(`fields=title,slug`).",
    )
