"""The client's address, read one way everywhere (API throttles, key and login limits)."""

from rest_framework.throttling import BaseThrottle


def client_address(request):
    """REMOTE_ADDR, or the address the trusted proxies (`API_NUM_PROXIES`) saw, as DRF's
    throttles read it (X-Forwarded-For is trusted only with proxies configured)."""
    return BaseThrottle().get_ident(getattr(request, "_request", request))
