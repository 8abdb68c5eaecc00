"""Sign-up rate limits, counted in the cache in clock-aligned windows (an accelerator, like
every cache use here: if the cache is down, sign-ups are not limited, never refused)."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


def allow(scope: str, value: str, limit: int) -> bool:
    """Count one attempt of `value` (an address, an e-mail) under `scope`; False past `limit`
    attempts in the current hour."""
    window = int(time.time() // WINDOW_SECONDS)
    digest = hashlib.sha256(value.lower().encode()).hexdigest()[:32]
    key = f"newsletter:rate:{scope}:{digest}:{window}"
    try:
        if cache.add(key, 1, timeout=WINDOW_SECONDS):
            return True
        return cache.incr(key) <= limit
    except Exception:  # noqa: BLE001 (the cache is an accelerator, never a dependency)
        return True


def allow_sign_up(*, client_address: str, email: str) -> bool:
    return allow(
        "address", client_address, settings.NEWSLETTER_SIGNUPS_PER_HOUR_PER_ADDRESS
    ) and allow("email", email, settings.NEWSLETTER_SIGNUPS_PER_HOUR_PER_EMAIL)
