import base64
import hashlib
import re

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware import http
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import parse_http_date_safe

# C0 control characters but tab, line feed and carriage return, and DEL: nothing a reader
# types; a NUL also breaks PostgreSQL text parameters.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
IMPORT_MAP = re.compile(rb'<script type="importmap"[^>]*>(.*?)</script>', re.DOTALL)


class ContentSecurityPolicyMiddleware:
    """Send the site's Content-Security-Policy unless a view has set its own.

    Inline scripts stay forbidden. The one exception is an import map (the admin's rich-text
    editor loads its modules through one), allowed by the hash of its exact content.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy_for(response)
        return response

    @staticmethod
    def policy_for(response):
        policy = settings.CONTENT_SECURITY_POLICY
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return policy
        hashes = [
            f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
            for body in IMPORT_MAP.findall(response.content)
        ]
        if hashes:
            policy = policy.replace("script-src 'self'", "script-src 'self' " + " ".join(hashes))
        return policy


class ConditionalGetMiddleware(http.ConditionalGetMiddleware):
    """Django's ETag and 304 handling, for HEAD as well as GET: a HEAD answer carries the
    validators its GET would (views render the same body for both; the server drops it)."""

    def process_response(self, request, response):
        if request.method != "HEAD" or response.streaming:
            return super().process_response(request, response)
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)
        last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
        if response.has_header("ETag") or last_modified:
            return get_conditional_response(
                request, etag=response.get("ETag"), last_modified=last_modified, response=response
            )
        return response


class QueryControlCharactersMiddleware:
    """A 400 for a query string with control characters (e.g. `?q=%00`) in any parameter's
    name or value, before a view or the database sees them: JSON problem details for the
    API, a plain page elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = sorted(
            {
                name
                for name, values in request.GET.lists()
                if CONTROL_CHARACTERS.search(name)
                or any(CONTROL_CHARACTERS.search(value) for value in values)
            }
        )
        if not bad:
            return self.get_response(request)
        names = [CONTROL_CHARACTERS.sub("", name) or "?" for name in bad]
        if request.path_info.startswith("/api/"):
            problems = [
                {"name": name, "reason": "Control characters are not allowed."} for name in names
            ]
            response = JsonResponse(
                {
                    "type": "urn:cpc:problem:invalid_parameter",
                    "title": "Bad Request",
                    "status": 400,
                    "detail": f"Invalid query parameter: {', '.join(names)}.",
                    "code": "invalid_parameter",
                    "invalid_params": problems,
                },
                status=400,
                content_type="application/problem+json",
            )
        else:
            response = HttpResponseBadRequest(
                "Control characters are not allowed in the query string.",
                content_type="text/plain; charset=utf-8",
            )
        response["Cache-Control"] = "no-store"
        return response


class PermissionsPolicyMiddleware:
    """Send `PERMISSIONS_POLICY`: the site needs no camera, microphone, location, etc."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response
