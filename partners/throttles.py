"""Anonymous readers share a modest rate per address; each partner key has its own rate."""

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from .models import PartnerKey


def partner_key(request):
    return request.auth if isinstance(request.auth, PartnerKey) else None


class AnonymousRateThrottle(AnonRateThrottle):
    """The `anon` rate, per client address, for requests without a key."""

    def get_cache_key(self, request, view):
        if partner_key(request) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PartnerKeyRateThrottle(SimpleRateThrottle):
    """The key's own rate (or the default `partner` rate), counted per key."""

    scope = "partner"

    def allow_request(self, request, view):
        key = partner_key(request)
        if key is None:
            return True
        self.rate = key.throttle_rate or self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": partner_key(request).prefix}
