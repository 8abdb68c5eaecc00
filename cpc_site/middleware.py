import base64
import hashlib
import re

from django.conf import settings
from django.middleware import http
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import parse_http_date_safe

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
