"""Health endpoints for load balancers and orchestrators, answered before anything else.

- `/health/live/`: the process answers. Touches nothing (no database, no cache, no disk).
- `/health/ready/`: whether this process can serve readers: PostgreSQL answers, no migration
  is pending, media storage is usable, and Redis answers. Redis down is "degraded", not
  down: the site serves uncached (see `cpc_site.cache_backend`), so the answer stays 200.
  Anything else down is a 503.

Both are JSON, `Cache-Control: no-store`, and answered by the first middleware: no host
check (a load balancer asks by address), no HTTPS redirect, no session, no response cache.
Cheap enough to poll every second: one `SELECT 1`, one Redis PING; the migration state is
read once it is clean (code does not change under a running process), and the storage check
is reused for `HEALTH_STORAGE_CHECK_SECONDS`.
"""

import os
import threading
from pathlib import Path
from time import monotonic, perf_counter

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

from .cache_backend import RedisCache

LIVE_PATH = "/health/live/"
READY_PATH = "/health/ready/"
OK, DEGRADED, DOWN = "ok", "degraded", "down"

_lock = threading.Lock()
_migrations_clean = False
_storage_result = None  # (checked at, result)


class HealthCheckMiddleware:
    """Answer the health paths before the rest of the stack (first in MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == LIVE_PATH:
            return _json({"status": OK})
        if request.path_info == READY_PATH:
            return readiness()
        return self.get_response(request)


def _json(body, status=200):
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _timed(check):
    started = perf_counter()
    try:
        status, detail = check()
    except Exception as error:  # a health check reports every failure, whatever its kind
        status, detail = DOWN, f"{type(error).__name__}: {error}"
    result = {"status": status, "ms": round((perf_counter() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
    return result


def check_database():
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK, ""


def check_migrations():
    global _migrations_clean
    if _migrations_clean:
        return OK, ""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return DOWN, f"{len(pending)} migration(s) not applied"
    _migrations_clean = True
    return OK, ""


def check_cache():
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return OK, "local memory"
    if not cache.available:
        return DEGRADED, "Redis is unavailable: serving uncached"
    try:
        cache._cache.get_client(write=True).ping()
    except Exception as error:  # any Redis failure degrades, never fails, readiness
        cache.breaker.failed(error)
        return DEGRADED, f"Redis is unavailable: {error}"
    return OK, ""


def check_storage():
    global _storage_result
    now = monotonic()
    with _lock:
        if _storage_result and now - _storage_result[0] < settings.HEALTH_STORAGE_CHECK_SECONDS:
            return _storage_result[1]
    if isinstance(default_storage, FileSystemStorage):
        # The folder is made by the first upload: until then, its nearest existing parent.
        root = Path(default_storage.location)
        while not root.exists() and root != root.parent:
            root = root.parent
        if not root.is_dir():
            result = (DOWN, f"{root} is not a directory")
        elif not os.access(root, os.W_OK):
            result = (DOWN, f"{root} is not writable")
        else:
            result = (OK, "")
    else:
        default_storage.exists("health-check")  # one request to the object store
        result = (OK, "")
    with _lock:
        _storage_result = (now, result)
    return result


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "storage": check_storage,
}


def readiness():
    checks = {name: _timed(check) for name, check in CHECKS.items()}
    if checks["database"]["status"] != OK:
        checks["migrations"] = {"status": DOWN, "detail": "the database is down"}
    statuses = {result["status"] for result in checks.values()}
    overall = DOWN if DOWN in statuses else DEGRADED if DEGRADED in statuses else OK
    return _json({"status": overall, "checks": checks}, status=503 if overall == DOWN else 200)


def reset():
    """Forget what was learnt (tests)."""
    global _migrations_clean, _storage_result
    _migrations_clean = False
    _storage_result = None
