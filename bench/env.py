"""The benchmark's environment: its own PostgreSQL database, Redis db and folders."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cpc_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
WORK_DIR = Path(os.environ.get("BENCH_WORK_DIR", "/tmp/cpc_bench"))
# The server's port, part of the site's address: stored renderings (articles.prerender) are
# served to requests that come to that address.
PORT = 8077


def database_url():
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def production_env(*, response_cache=True, fragments=True, floor=True):
    """Production settings (debug off) pointed at the benchmark's database and Redis db;
    `fragments=False` turns the fragment caches off too (nothing cached)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "cpc_site.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + "x7Qp2Lm9Zr4Tv8Kw1Ny6Hd3Bs5Fg0Jc" * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "600",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "CACHE_KEY_PREFIX": "cpc-bench",
        "RESPONSE_CACHE_SECONDS": "600" if response_cache else "0",
        "FRAGMENT_CACHE_SECONDS": "600" if fragments else "0",
        "MEDIA_ROOT": str(WORK_DIR / "media"),
        "STATIC_ROOT": str(WORK_DIR / "static"),
        "SITE_URL": f"http://127.0.0.1:{PORT}",
        # The load generator is one client on one address: throttle it like a partner would be.
        "API_ANON_THROTTLE_RATE": "1000000/second",
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    if floor:
        env["BENCH_FLOOR_VIEW"] = "1"
    return env


def apply(env):
    """Set `env` in this process before Django is configured."""
    for key, value in env.items():
        os.environ[key] = value
