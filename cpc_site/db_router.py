"""Reads from the read replica, writes to the primary (when `DATABASE_REPLICA_URL` is set).

A replica lags a little behind the primary, so some reads must still go to the primary:
reads inside a transaction (a write path reading what it is about to change), every read
of a request that writes (admin saves, imports) and every read of a logged-in editor's
request (editors must see what they just saved). `PrimaryAfterWriteMiddleware` marks those
requests; management commands and shells read the replica unless inside a transaction.
"""

from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_ALIAS = "replica"
_use_primary = ContextVar("use_primary", default=False)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        if _use_primary.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class use_primary:  # noqa: N801 (used like a function: `with use_primary():`)
    """Send this block's reads to the primary."""

    def __enter__(self):
        self._token = _use_primary.set(True)

    def __exit__(self, *exc):
        _use_primary.reset(self._token)


class PrimaryAfterWriteMiddleware:
    """Requests that write, and editors' requests, read from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS") and (
            settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            return self.get_response(request)
        with use_primary():
            return self.get_response(request)
