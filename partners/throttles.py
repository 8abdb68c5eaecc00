"""Anonymous readers share a modest rate per address; each partner key has its own rate
(counted once per request by `partners.access`, which the response cache asks first)."""

from django.core.cache import cache as default_cache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import AnonRateThrottle, BaseThrottle

from . import access


def partner_access(request):
    return access.check(request._request)


_process_cache = LocMemCache("anonymous-throttle-fallback", {})


class AnonymousRateThrottle(AnonRateThrottle):
    """The `anon` rate, per client address, for requests without a key.

    Counted in the shared cache; while it is away (`available` false), in this process's
    memory: the limit fails open to a per-process one, never to an error."""

    @property
    def cache(self):
        if getattr(default_cache, "available", True):
            return default_cache
        return _process_cache

    def get_cache_key(self, request, view):
        if partner_access(request) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PartnerKeyRateThrottle(BaseThrottle):
    """The key's own rate (or the default `partner` rate), counted per key."""

    def allow_request(self, request, view):
        self.access = partner_access(request)
        return self.access is None or self.access.allowed

    def wait(self):
        return self.access.reset if self.access is not None else None
