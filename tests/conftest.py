import os
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction
from django.test import TransactionTestCase, override_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@contextmanager
def redis_caches(name, **extra_settings):
    """The site's caches on a real Redis (`TEST_REDIS_URL`, database 15) under a key prefix of
    this test's own (removed afterwards), with each process's local layer fresh."""
    from cpc_site.caching import reset_local_response_cache

    server = redis.Redis.from_url(TEST_REDIS_URL)
    server.ping()
    prefix = f"test-{name}-{uuid.uuid4().hex}"
    backend = {
        "BACKEND": "cpc_site.caching.RedisCache",
        "LOCATION": TEST_REDIS_URL,
        "KEY_PREFIX": prefix,
        "OPTIONS": {"protocol": 2},
    }
    with override_settings(CACHES={"default": backend}, **extra_settings):
        reset_local_response_cache()
        try:
            yield
        finally:
            reset_local_response_cache()
    for key in server.scan_iter(match=f"{prefix}:*"):
        server.delete(key)
    server.close()


def empty_database(alias="default"):
    """Empty every table as `manage.py flush` does, post_migrate included, but on PostgreSQL
    with DELETE instead of TRUNCATE: truncating all ~55 tables (new files for each table and
    index) takes about a second, deleting the few rows a test wrote takes milliseconds."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        call_command("flush", interactive=False, verbosity=0, database=alias, reset_sequences=False)
        return
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        # Foreign keys are checked at the commit, when every table is empty.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("; ".join(f"DELETE FROM {quote(table)}" for table in tables))
    emit_post_migrate_signal(0, False, alias)


def empty_the_database_after_a_committing_test(self):
    """The teardown of a `transaction=True` test (Django's flush) by `empty_database`."""
    if self.available_apps is not None or self.serialized_rollback:
        return flush_with_truncate(self)  # (flush with its options for these cases)
    for alias in self._databases_names(include_mirrors=False):
        empty_database(alias)


flush_with_truncate = TransactionTestCase._fixture_teardown
TransactionTestCase._fixture_teardown = empty_the_database_after_a_committing_test


@pytest.fixture(autouse=True)
def isolated_media_and_cache(settings, tmp_path):
    """Uploads go to a temporary folder and every test starts with an empty cache (and no
    content types remembered from a database that a committing test flushed)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    ContentType.objects.clear_cache()
    yield
    cache.clear()


@pytest.fixture
def publisher(db):
    from tests.factories import make_user

    return make_user("publisher", role="Publisher")


@pytest.fixture
def editor(db):
    from tests.factories import make_user

    return make_user("editor", role="Editor")


@pytest.fixture
def contributor(db):
    from tests.factories import make_user

    return make_user("contributor", role="Contributor")


@pytest.fixture(autouse=True)
def response_cache_off(settings):
    """The response and fragment caches and stored renderings are off unless a test turns
    them on (test_caching, test_prerender, test_never_stale)."""
    settings.RESPONSE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 0
    settings.PRERENDERED_ARTICLES = False


@pytest.fixture
def browser():
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to
    # run in a thread with a running loop unless told this is safe (it is: the loop is
    # Playwright's).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def admin_page(browser, live_server, django_user_model):
    """A browser page logged in to the admin as a superuser."""
    django_user_model.objects.create_superuser("chief", "chief@example.org", "pw-for-e2e-only")
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", "pw-for-e2e-only")
    page.click("input[type=submit]")
    return page


@pytest.fixture
def run_tasks():
    """Run the jobs the write path queued (suggestions, fan-out), as `manage.py worker` would."""
    from cpc_site.management.commands.worker import drain

    return drain


@pytest.fixture(autouse=True)
def steady_rate_windows(monkeypatch):
    """Partner rates are counted in clock-aligned windows: tests count within one window (30 s
    into the hour), so a minute boundary never splits their requests."""
    from partners.access import KeyThrottle

    moment = int(time.time() // 3600) * 3600 + 30
    monkeypatch.setattr(KeyThrottle, "timer", lambda self: moment)
