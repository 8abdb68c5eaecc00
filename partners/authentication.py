"""Partners identify themselves with a key (`partners.access`); everyone else is anonymous."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from . import access


class PartnerKeyAuthentication(BaseAuthentication):
    keyword = access.KEYWORD

    def authenticate(self, request):
        found = access.check(request._request)
        if found is None:
            return None
        return AnonymousUser(), found.key

    def authenticate_header(self, request):
        return self.keyword


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    """Describe the key headers in the OpenAPI schema: either one will do."""

    target_class = PartnerKeyAuthentication
    name = ["ApiKey", "XApiKey"]

    def get_security_requirement(self, auto_schema):
        return [{"ApiKey": []}, {"XApiKey": []}]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": 'Send "Api-Key <key>" (or the key alone in X-Api-Key). Without '
                "a key, requests are anonymous; a malformed, unknown, revoked or expired key is "
                "a 401.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-Api-Key",
                "description": "The key alone, instead of the Authorization header.",
            },
        ]
