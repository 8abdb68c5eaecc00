"""Redis is an accelerator, never a dependency: a private redis-server (started here on a
port of its own, never the shared one) is killed, hung and restarted under load, and every
public address keeps answering 200."""

import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest
import redis
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.throttling import SimpleRateThrottle

from cpc_site import cache_backend
from cpc_site.caching import reset_local_response_cache
from partners.models import KeyUsage
from tests.api.conftest import auth, make_key
from tests.factories import make_article, make_author, make_topic

pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# A port of its own (never the shared Redis): TEST_OUTAGE_REDIS_PORT, or one the OS says is
# free (CI runs the PostgreSQL and SQLite suites side by side).
PORT = int(os.environ.get("TEST_OUTAGE_REDIS_PORT") or free_port())
REDIS_URL = f"redis://127.0.0.1:{PORT}/0"


class RedisServer:
    """A throwaway redis-server on its own port, without persistence."""

    def __init__(self, port):
        self.port = port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_timeout=0.5).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.kill()


@pytest.fixture
def redis_server():
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            pytest.fail(f"port {PORT} is taken: the fault test needs a Redis of its own")
    server = RedisServer(PORT)
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def redis_cache(isolated_media_and_cache, response_cache_off, settings):
    settings.RESPONSE_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600
    settings.RESPONSE_CACHE_LOCAL_TRUST_SECONDS = 0.2
    settings.PARTNER_USAGE_IN_CACHE = True
    backend = {
        "BACKEND": "cpc_site.cache_backend.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"outage-{uuid.uuid4().hex}",
        "OPTIONS": {
            "protocol": 2,
            "socket_connect_timeout": 0.25,
            "socket_timeout": 0.5,
            "retry_seconds": 0.3,
        },
    }
    cache_backend.reset_breakers()
    with override_settings(CACHES={"default": backend}):
        reset_local_response_cache()
        try:
            yield
        finally:
            reset_local_response_cache()
            cache_backend.reset_breakers()


@pytest.fixture
def public_urls():
    author = make_author(name="Ada Analyst")
    topic = make_topic(name="Energy")
    article = make_article(title="Pipelines and power", authors=[author], topics=[topic])
    return [
        "/",
        "/articles/",
        article.get_absolute_url(),
        "/authors/",
        author.get_absolute_url(),
        f"{author.get_absolute_url()}feed/",
        "/topics/",
        topic.get_absolute_url(),
        f"{topic.get_absolute_url()}feed/",
        "/search/?q=power",
        "/feeds/rss/",
        "/feeds/atom/",
        "/sitemap.xml",
        "/robots.txt",
        "/api/v1/articles/",
        f"/api/v1/articles/{article.slug}/",
        "/api/v1/authors/",
        "/api/v1/topics/",
    ]


def is_hit(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return not queries.captured_queries


class Load(threading.Thread):
    """Readers asking for every public address in turn until stopped."""

    def __init__(self, urls):
        super().__init__(daemon=True)
        self.urls = urls
        self.statuses = []
        self.slowest = 0.0
        self.running = threading.Event()
        self.running.set()

    def run(self):
        client = Client()
        try:
            while self.running.is_set():
                for url in self.urls:
                    started = time.monotonic()
                    response = client.get(url)
                    self.slowest = max(self.slowest, time.monotonic() - started)
                    self.statuses.append((url, response.status_code))
        finally:
            connection.close()

    def stop(self):
        self.running.clear()
        self.join(timeout=30)


def test_killing_redis_under_load_keeps_every_public_url_at_200_and_hits_resume(
    redis_server, public_urls, client, caplog
):
    for url in public_urls:
        assert client.get(url).status_code == 200, url
    assert is_hit(client, "/")

    load = Load(public_urls)
    with caplog.at_level(logging.WARNING, logger="cpc_site.cache"):
        load.start()
        time.sleep(0.5)
        redis_server.kill()
        time.sleep(1.5)
        during_outage = len(load.statuses)
        for url in public_urls:  # and from this thread too, while Redis is down
            assert client.get(url).status_code == 200, url
        redis_server.start()
        time.sleep(1.0)
        load.stop()

    assert len(load.statuses) > during_outage > 0
    failures = [(url, status) for url, status in load.statuses if status != 200]
    assert failures == []
    # The outage and the recovery are logged once each, not once per request.
    messages = [r.getMessage() for r in caplog.records if r.name == "cpc_site.cache"]
    assert sum("unavailable" in m for m in messages) == 1
    assert sum("answers again" in m for m in messages) == 1

    # The restarted (empty) Redis fills again: the second request of a page is a hit.
    for url in ("/", public_urls[2], "/api/v1/articles/"):
        client.get(url)
        assert is_hit(client, url), url


def test_a_hung_redis_costs_at_most_its_timeout_and_pages_still_answer(
    redis_server, public_urls, client
):
    client.get("/")
    redis_server.pause()  # accepts connections, answers nothing: a half-open socket
    try:
        started = time.monotonic()
        for url in public_urls:
            assert client.get(url).status_code == 200, url
        elapsed = time.monotonic() - started
    finally:
        redis_server.resume()
    # One read timeout (0.5 s) opens the breaker; then Redis is skipped, re-probed every 0.3 s.
    assert elapsed < 0.5 * 4 + 2


def test_with_redis_down_the_anonymous_api_throttle_falls_back_to_a_per_process_limit(
    redis_server, settings, client, monkeypatch
):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "partner": "2/minute"}
    )
    settings.RESPONSE_CACHE_SECONDS = 0
    redis_server.kill()
    statuses = [client.get("/api/v1/topics/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]

    key, secret = make_key()
    statuses = [client.get("/api/v1/topics/", **auth(secret)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_with_redis_down_partner_requests_are_counted_in_the_database(redis_server, client):
    key, secret = make_key()
    redis_server.kill()
    for _ in range(2):
        assert client.get("/api/v1/topics/", **auth(secret)).status_code == 200
    assert KeyUsage.objects.get(key=key).requests == 2


def test_the_breaker_opens_on_a_redis_error_and_one_probe_closes_it(caplog):
    breaker = cache_backend.CircuitBreaker("test", retry_seconds=0.05)
    with caplog.at_level(logging.WARNING, logger="cpc_site.cache"):
        breaker.failed(redis.ConnectionError("refused"))
        assert not breaker.allow()
        time.sleep(0.06)
        assert breaker.allow()  # the probe
        assert not breaker.allow()  # only one at a time
        breaker.failed(redis.ConnectionError("refused again"))
        time.sleep(0.06)
        assert breaker.allow()
        breaker.released()  # the probe raised something else: the next call probes
        assert breaker.allow()
        breaker.succeeded()
        assert breaker.allow() and breaker.state == breaker.CLOSED
    messages = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Cache test")]
    assert len(messages) == 2  # down once, back once
