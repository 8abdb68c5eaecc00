"""`Authorization: Api-Key <key>`: partners identify themselves; everyone else is anonymous."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework_api_key.permissions import KeyParser

from .models import PartnerKey


class PartnerKeyAuthentication(BaseAuthentication):
    keyword = "Api-Key"
    key_parser = KeyParser()

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        key = self.key_parser.get_from_authorization(request)
        if not key:
            raise exceptions.AuthenticationFailed(
                'Send the key as "Authorization: Api-Key <key>".', code="bad_authorization_header"
            )
        try:
            partner_key = PartnerKey.objects.get_from_key(key.strip())
        except PartnerKey.DoesNotExist:
            partner_key = None
        if partner_key is None or partner_key.has_expired:
            raise exceptions.AuthenticationFailed(
                "This API key is unknown, revoked or expired.", code="invalid_api_key"
            )
        partner_key.record_use()
        return AnonymousUser(), partner_key

    def authenticate_header(self, request):
        return self.keyword


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    """Describe the key header in the OpenAPI schema."""

    target_class = PartnerKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Send "Api-Key <key>". Without it, requests are anonymous.',
        }
