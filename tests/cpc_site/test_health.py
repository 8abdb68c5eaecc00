"""Health endpoints: liveness touches nothing; readiness reports each dependency as JSON."""

import pytest

from cpc_site import cache_backend, health
from tests.cpc_site.test_redis_outage import free_port


@pytest.fixture(autouse=True)
def fresh_health():
    health.reset()
    yield
    health.reset()


def test_liveness_answers_without_touching_the_database_or_the_host_check(client, settings):
    # No database access is allowed in this test (no django_db mark): a query would fail it.
    settings.ALLOWED_HOSTS = ["www.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/health/live/", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_reports_every_check_and_costs_one_query_once_migrations_are_known(
    client, django_assert_max_num_queries
):
    first = client.get("/health/ready/")
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "cache", "storage"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert first["Cache-Control"] == "no-store"
    with django_assert_max_num_queries(1):
        assert client.get("/health/ready/").status_code == 200


@pytest.mark.django_db
def test_readiness_is_503_with_a_pending_migration(client, monkeypatch):
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, targets: [("articles", "9999_pending")],
    )
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"]["migrations"]["detail"] == "1 migration(s) not applied"


@pytest.mark.django_db
def test_readiness_is_503_when_media_storage_is_unusable(client, settings, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["status"] == "down"


@pytest.mark.django_db
def test_readiness_reports_a_dead_redis_as_degraded_not_down(client, settings):
    cache_backend.reset_breakers()
    settings.CACHES = {
        "default": {
            "BACKEND": "cpc_site.cache_backend.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    try:
        response = client.get("/health/ready/")
    finally:
        cache_backend.reset_breakers()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "degraded"
    assert body["checks"]["database"]["status"] == "ok"


def test_readiness_is_503_when_the_database_is_down(client, monkeypatch):
    def refuse():
        raise OSError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", lambda: refuse())
    response = client.get("/health/ready/")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "down"
    assert "connection refused" in checks["database"]["detail"]
