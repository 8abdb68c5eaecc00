"""RFC 7807 problem details for every API error, and their description in the OpenAPI schema."""

import logging
import math
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from articles.search import MAX_QUERY_LENGTH

logger = logging.getLogger("cpc_site.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:cpc:problem:"

# (status, default code) for the exceptions Django REST framework raises.
DEFAULT_CODES = {
    400: "invalid_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}


class InvalidParameterSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The query parameter at fault.")
    reason = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="A URI naming the kind of problem.")
    title = serializers.CharField(help_text="Short summary of the kind of problem.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong with this request.")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_found`.")


class ValidationProblemSerializer(ProblemSerializer):
    invalid_params = InvalidParameterSerializer(
        many=True, help_text="Every offending parameter with the reason."
    )


class InvalidParameters(exceptions.APIException):
    """A 400 naming the query parameters at fault: `problems` is a list of (name, reason)."""

    status_code = 400
    default_code = "invalid_parameter"

    def __init__(self, problems, code=None):
        self.problems = list(problems)
        names = ", ".join(dict.fromkeys(name for name, _ in self.problems))
        super().__init__(f"Invalid query parameter: {names}.", code=code or self.default_code)


def problem_response(*, status, code, detail, invalid_params=None, headers=None):
    data = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if invalid_params is not None:
        data["invalid_params"] = invalid_params
    return Response(data, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _flatten(detail, prefix=""):
    """Turn DRF's nested error detail into [(name, reason)]."""
    if isinstance(detail, dict):
        for name, value in detail.items():
            key = name if name != "non_field_errors" else prefix or "request"
            yield from _flatten(value, key)
    elif isinstance(detail, list):
        for value in detail:
            yield from _flatten(value, prefix)
    else:
        yield prefix or "request", str(detail)


def problem_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if not isinstance(exc, exceptions.APIException):
        view = context.get("view")
        logger.error("Unhandled error in %s", type(view).__name__, exc_info=exc)
        set_rollback()
        return problem_response(
            status=500, code="server_error", detail="The server failed to answer this request."
        )

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))

    status = exc.status_code
    invalid_params = None
    if isinstance(exc, InvalidParameters):
        invalid_params = [{"name": name, "reason": reason} for name, reason in exc.problems]
        detail, code = str(exc.detail), exc.detail.code
    elif isinstance(exc, exceptions.ValidationError):
        invalid_params = [{"name": n, "reason": r} for n, r in _flatten(exc.detail)]
        names = ", ".join(dict.fromkeys(p["name"] for p in invalid_params))
        detail, code = f"Invalid parameter: {names}.", DEFAULT_CODES[400]
    else:
        detail = exc.detail if not isinstance(exc.detail, dict | list) else exc.default_detail
        code = getattr(detail, "code", None)
        if not code or code in {"error", "invalid"} or code == exc.default_code:
            code = DEFAULT_CODES.get(status, exc.default_code)
        detail = str(detail)
    set_rollback()
    return problem_response(
        status=status, code=code, detail=detail, invalid_params=invalid_params, headers=headers
    )


PROBLEM_DESCRIPTIONS = {
    "400": "Invalid query parameter (each one named in `invalid_params`).",
    "401": "The API key is unknown, revoked or expired.",
    "403": "The API key lacks the scope this endpoint needs.",
    "404": "Not found (or not published).",
    "429": "Too many requests; retry after `Retry-After` seconds.",
    "500": "Server error.",
}


class ProblemAutoSchema(AutoSchema):
    """Declare the problem responses every operation can really send, and 304 for GETs."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        statuses = ["400", "401", "404", "429", "500"]
        if getattr(self.view, "required_scope", None):
            statuses.insert(2, "403")
        for status in statuses:
            serializer = ValidationProblemSerializer if status == "400" else ProblemSerializer
            response = self._get_response_for_code(
                serializer, status, media_types=[PROBLEM_CONTENT_TYPE], direction=direction
            )
            response["description"] = PROBLEM_DESCRIPTIONS[status]
            responses.setdefault(status, response)
        if self.method == "GET":
            responses.setdefault("304", {"description": "Not modified since the given validator."})
        return dict(sorted(responses.items()))

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if status_code == "429":
            response.setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before the next request.",
            }
        return response


SPARSE = {"ArticleSummary": "ArticleSummarySparse", "ArticleDetail": "ArticleDetailSparse"}


def _enum_varnames(values):
    """Readable names of orderings for generated clients: `-published_at` is
    PUBLISHED_AT_DESC, `published_at` PUBLISHED_AT_ASC, `title` TITLE."""
    names = []
    for value in values:
        name = value.lstrip("-").upper()
        if value.startswith("-"):
            name += "_DESC"
        elif f"-{value}" in values:
            name += "_ASC"
        names.append(name)
    return names


def postprocess_schema(result, generator, request, public):
    """State what the server enforces and sends: every field of an answer is always present
    (required; nullable where it may be null), except with `fields=` on articles, whose answers
    match a sparse variant; empty parameters are refused; orderings have readable names."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("minLength", 1)  # an empty parameter is a 400
                if parameter.get("name") == "search":
                    schema.setdefault("maxLength", MAX_QUERY_LENGTH)  # a longer one is a 400
                if parameter.get("name") == "ordering" and "enum" in schema:
                    schema["x-enum-varnames"] = _enum_varnames(schema["enum"])
    schemas = result.get("components", {}).get("schemas", {})
    for schema in schemas.values():
        if schema.get("type") == "object" and schema.get("properties"):
            schema["required"] = sorted(schema["properties"])
    for full, sparse in SPARSE.items():
        if full not in schemas:
            continue
        schemas[sparse] = {
            **{k: v for k, v in schemas[full].items() if k != "required"},
            "description": f"{full} with only the fields named in `fields=`.",
        }
    _sparse_alternatives(result)
    return result


def _sparse_alternatives(result):
    """Article answers are the full shape, or the sparse one when `fields` is given."""

    def alternatives(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            if name in SPARSE and len(node) == 1:
                return {"anyOf": [node, {"$ref": f"#/components/schemas/{SPARSE[name]}"}]}
            return {key: alternatives(value) for key, value in node.items()}
        if isinstance(node, list):
            return [alternatives(item) for item in node]
        return node

    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if "200" in operation.get("responses", {}):
                response = operation["responses"]["200"]
                operation["responses"]["200"] = alternatives(response)
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in list(schemas.items()):
        if name.startswith("Paginated") and name not in SPARSE.values():
            schemas[name] = alternatives(schema)
