"""Who is asking: a partner key sent as `Authorization: Api-Key <key>` or `X-Api-Key: <key>`,
checked once per request, with its rate limit.

`check(request)` does the work once (the key lookup, the use counted, the throttle) and keeps
the result on the request: the response cache asks it before it serves a keyed answer from
the cache, and the API's authentication and throttle classes then reuse it.
"""

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from cpc_site.addresses import client_address

from .models import PartnerKey, count_in_cache

logger = logging.getLogger("partners.access")

KEYWORD = "Api-Key"
HEADER_HELP = 'Send the key as "Authorization: Api-Key <key>" or "X-Api-Key: <key>".'
POLICY_NAME = "partner"


@dataclass
class Access:
    """A valid key and where it stands with its rate: `remaining` requests in the current
    window (`window` seconds long), which ends in `reset` seconds."""

    key: PartnerKey
    allowed: bool
    quota: int
    window: int
    remaining: int
    reset: int

    def rate_limit_headers(self):
        """IETF draft-ietf-httpapi-ratelimit-headers: the policy and what is left of it."""
        return {
            "RateLimit-Policy": f'"{POLICY_NAME}";q={self.quota};w={self.window}',
            "RateLimit": f'"{POLICY_NAME}";r={self.remaining};t={self.reset}',
        }


def sent_key(meta):
    """The key the request sends, None when it sends none; a malformed one is a 401."""
    authorization = meta.get("HTTP_AUTHORIZATION")
    header_key = None
    if authorization is not None:
        keyword, _, value = authorization.strip().partition(" ")
        if keyword != KEYWORD or not value.strip():
            raise exceptions.AuthenticationFailed(HEADER_HELP, code="bad_authorization_header")
        header_key = value.strip()
    x_api_key = meta.get("HTTP_X_API_KEY")
    if x_api_key is not None:
        if not x_api_key.strip():
            raise exceptions.AuthenticationFailed(HEADER_HELP, code="bad_authorization_header")
        if header_key is not None and header_key != x_api_key.strip():
            raise exceptions.AuthenticationFailed(
                "Authorization and X-Api-Key name different keys: send one.",
                code="bad_authorization_header",
            )
        header_key = x_api_key.strip()
    return header_key


class KeyThrottle(SimpleRateThrottle):
    """The key's own rate (or the default partner rate), counted per key in the cache, in
    fixed windows (a minute for "…/minute", aligned on the clock): one counter per window,
    one cache round trip per request whatever the rate (DRF's own throttle keeps a list of
    every request's time, costly at thousands an hour)."""

    scope = "partner"

    def __init__(self, partner_key):
        self.partner_key = partner_key
        self.rate = partner_key.throttle_rate or self.THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def count(self):
        """Count this request: (allowed, remaining, seconds until the window ends)."""
        now = self.timer()
        start = int(now // self.duration) * self.duration
        counter = f"throttle:{self.scope}:{self.partner_key.prefix}:{start}"
        used = count_in_cache(counter, self.duration + 1)
        reset = max(1, math.ceil(start + self.duration - now))
        return used <= self.num_requests, max(0, self.num_requests - used), reset

    def timer(self):
        return time.time()


def _refused_keys_counter(request, now=None):
    window = settings.API_REFUSED_KEY_WINDOW_SECONDS
    start = int((now or time.time()) // window) * window
    return f"refused-keys:{client_address(request)}:{start}", start + window


def refuse_while_guessing(request):
    """A 429 for an address that sent too many wrong keys in the current window (before
    the key is even looked up: guessing stays slow whether the next guess is right or not)."""
    now = time.time()
    counter, ends = _refused_keys_counter(request, now)
    if (cache.get(counter) or 0) >= settings.API_REFUSED_KEY_LIMIT:
        raise exceptions.Throttled(wait=max(1, math.ceil(ends - now)))


def count_refused_key(request, secret):
    counter, _ = _refused_keys_counter(request)
    refused = count_in_cache(counter, settings.API_REFUSED_KEY_WINDOW_SECONDS + 1)
    logger.warning(
        "Refused API key %s… from %s (%s in this window).",
        secret.partition(".")[0][:8],
        client_address(request),
        refused,
    )


def check(request):
    """The Access of the key `request` sends (None without one), once per request; a bad key
    is a 401 (AuthenticationFailed), an address guessing keys a 429 (Throttled)."""
    request = getattr(request, "_request", request)  # the HttpRequest inside a DRF Request
    if "partner_access" in request.__dict__:
        return request.partner_access
    if "partner_access_refused" in request.__dict__:
        raise request.partner_access_refused
    try:
        access = _check(request)
    except (exceptions.AuthenticationFailed, exceptions.Throttled) as refused:
        request.partner_access_refused = refused
        raise
    request.partner_access = access
    return access


def _check(request):
    secret = sent_key(request.META)
    if secret is None:
        return None
    refuse_while_guessing(request)
    try:
        key = PartnerKey.objects.get_from_key(secret)
    except PartnerKey.DoesNotExist:
        key = None
    if key is None or key.has_expired:
        count_refused_key(request, secret)
        raise exceptions.AuthenticationFailed(
            "This API key is unknown, revoked or expired.", code="invalid_api_key"
        )
    throttle = KeyThrottle(key)
    allowed, remaining, reset = throttle.count()
    if allowed:
        key.record_use()
    return Access(key, allowed, throttle.num_requests, throttle.duration, remaining, reset)


def cache_audience(request):
    """For the response cache: the visibility class of a keyed API request ("embargo" for a
    key with the embargo scope, "public" otherwise: the same answers as anonymous readers),
    or None when its answer is not for the cache (a bad key, over its rate, not the API)."""
    if not request.path.startswith("/api/"):
        return None
    try:
        access = check(request)
    except (exceptions.AuthenticationFailed, exceptions.Throttled):
        return None
    if access is None or not access.allowed:
        return None
    request.extra_response_headers = access.rate_limit_headers()
    return "embargo" if access.key.can_see_embargoed else "public"
