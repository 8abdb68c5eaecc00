"""A real worker process killed mid-delivery: the delivery is sent by the next worker."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import make_article
from tests.webhooks.conftest import make_endpoint
from webhooks.models import Delivery

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a worker process shares the test database only on PostgreSQL",
    ),
]


def start_worker(**env):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "1",
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_kill_the_worker_mid_delivery_and_the_event_still_arrives(receiver):
    endpoint = make_endpoint(receiver.url)
    receiver.hang.set()  # the receiver reads the request and does not answer yet
    article = make_article(title="Sent twice, applied once")

    first = start_worker(WEBHOOK_LEASE_SECONDS="3", WEBHOOK_TIMEOUT_SECONDS="60")
    try:
        assert wait_for(lambda: len(receiver.requests) == 1), "the first worker never sent"
    finally:
        first.send_signal(signal.SIGKILL)  # killed mid-delivery
        first.wait()
    assert Delivery.objects.get().status == Delivery.Status.PENDING

    receiver.hang.clear()
    second = start_worker(WEBHOOK_LEASE_SECONDS="3")
    try:
        assert wait_for(
            lambda: Delivery.objects.filter(status=Delivery.Status.DELIVERED).exists()
        ), "the second worker never delivered"
    finally:
        second.terminate()
        second.wait()

    sent = Delivery.objects.get()
    assert [e["data"]["id"] for e in receiver.events(secret=endpoint.secret)] == [article.pk] * 2
    assert {h["webhook-id"] for h, _ in receiver.requests} == {sent.message_id}
    assert list(sent.log.values_list("response_status", flat=True)) == [200]
