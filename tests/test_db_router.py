"""Reads go to the replica and writes to the primary when a replica is configured."""

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.roles import sync_roles
from cpc_site.db_router import REPLICA_ALIAS
from tests.conftest import empty_database
from tests.factories import make_article, make_user

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def replica(django_db_setup, django_db_blocker, settings):
    """A second connection alias to the test database, as `TEST: {"MIRROR": "default"}` does.

    Rows are committed (as on a real primary) so the second connection sees them; the
    tables are flushed afterwards.
    """
    replica_settings = copy.deepcopy(connections["default"].settings_dict)
    replica_settings["TEST"] = {**replica_settings.get("TEST", {}), "MIRROR": "default"}
    connections.settings[REPLICA_ALIAS] = replica_settings
    settings.DATABASE_ROUTERS = ["cpc_site.db_router.PrimaryReplicaRouter"]
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "cpc_site.db_router.PrimaryAfterWriteMiddleware",
    ]
    with django_db_blocker.unblock():
        try:
            yield connections[REPLICA_ALIAS]
        finally:
            connections[REPLICA_ALIAS].close()
            del connections[REPLICA_ALIAS]
            del connections.settings[REPLICA_ALIAS]
            settings.DATABASE_ROUTERS = []
            empty_database()
            sync_roles(django_apps)  # the roles come from a data migration that flush undid


def queries_on(alias):
    return CaptureQueriesContext(connections[alias])


def test_reads_go_to_the_replica_and_writes_to_the_primary(replica):
    with queries_on("default") as primary, queries_on(REPLICA_ALIAS) as read:
        article = make_article(title="Routed")
        titles = list(Article.objects.published().values_list("title", flat=True))

    assert titles == ["Routed"]
    assert article._state.db == "default"
    assert any(q["sql"].startswith("INSERT") for q in primary.captured_queries)
    assert not any(q["sql"].startswith("INSERT") for q in read.captured_queries)
    assert any('"articles_article"' in q["sql"] for q in read.captured_queries)


def test_reads_inside_a_transaction_stay_on_the_primary(replica):
    make_article(title="Inside")

    with queries_on(REPLICA_ALIAS) as read, transaction.atomic():
        assert Article.objects.get(title="Inside")

    assert read.captured_queries == []


def test_anonymous_pages_read_the_replica_and_editors_the_primary(replica, client):
    article = make_article(title="Served from the replica")
    editor = make_user("replica-editor")

    with queries_on(REPLICA_ALIAS) as read:
        assert client.get(article.get_absolute_url()).status_code == 200
    assert read.captured_queries

    client.force_login(editor)
    with queries_on(REPLICA_ALIAS) as read:
        assert client.get(article.get_absolute_url()).status_code == 200
    assert read.captured_queries == []


def test_database_replica_url_adds_the_replica_alias_and_router():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))},
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": "postgres://app@primary.internal:5432/cpc",
        "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/cpc",
    }
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "r = s.DATABASES['replica']; "
        "print(r['HOST'], r['USER'], r['TEST']['MIRROR'], s.DATABASE_ROUTERS[0], "
        "'cpc_site.db_router.PrimaryAfterWriteMiddleware' in s.MIDDLEWARE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "cpc_site.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "replica.internal",
        "reader",
        "default",
        "cpc_site.db_router.PrimaryReplicaRouter",
        "True",
    ]
