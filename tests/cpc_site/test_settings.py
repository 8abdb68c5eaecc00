"""Production settings are checked in a fresh process, as a deployment would start them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3$9vQ!x7zP@2mL#8rT^5wY&1nB*6cF(4hJ)0dS_gA+eU=iO-yK~",
    "DJANGO_ALLOWED_HOSTS": "analysis.example.org",
}


def manage(*args, env):
    base = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_missing_secret_key_stops_start_up_with_a_clear_error():
    env = {key: value for key, value in PRODUCTION.items() if key != "DJANGO_SECRET_KEY"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_production_headers_are_sent(client, settings):
    settings.SECURE_SSL_REDIRECT = False
    response = client.get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
