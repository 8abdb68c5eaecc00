"""Registering endpoints in the admin, the delivery log, redelivery, and where webhooks may go."""

import socket

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tests.api.conftest import make_key
from tests.factories import make_article, make_user
from tests.webhooks.conftest import PUBLIC_URL, make_endpoint
from webhooks import delivery, dispatch
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chief(client):
    client.force_login(make_user("chief", superuser=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://172.16.5.4/hook",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "http://203.0.113.10/hook",  # public, but plain http
        "https://user:pw@198.51.100.7/hook",
    ],
)
def test_private_loopback_and_insecure_addresses_are_refused(url):
    key, _ = make_key()
    endpoint = Endpoint(key=key, url=url, events=[Event.PUBLISHED], contact="a@partner.example")
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert "url" in refused.value.message_dict


def test_a_public_address_is_accepted():
    key, _ = make_key()
    endpoint = Endpoint(key=key, url=PUBLIC_URL, events=[Event.PUBLISHED], contact="a@b.example")
    endpoint.full_clean()


def test_a_name_that_later_resolves_to_a_private_address_is_refused_when_sending(
    settings, monkeypatch
):
    """DNS may change after registration: the address is checked again on every delivery,
    and the connection goes to the address that was checked."""
    key, _ = make_key()
    endpoint = Endpoint(
        key=key, url="https://hooks.partner.example/in", events=[Event.PUBLISHED], contact="a@b.c"
    )
    endpoint.save()
    make_article()
    connected = []
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, **kw: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.8", port))],
    )
    monkeypatch.setattr(
        socket, "create_connection", lambda *args, **kwargs: connected.append(args) or None
    )
    call_command("worker", "--once")
    sent = Delivery.objects.get()
    assert connected == []
    assert sent.status == Delivery.Status.PENDING and sent.attempts == 1
    assert "private" in sent.log.get().error


def test_an_editor_registers_an_endpoint_in_the_admin_and_sees_its_secret(chief, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    key, _ = make_key(embargo=True)
    response = chief.post(
        "/admin/webhooks/endpoint/add/",
        {
            "key": key.pk,
            "url": PUBLIC_URL,
            "description": "Wire desk",
            "events": ["article.published", "article.embargoed"],
            "payload": "full",
            "contact": "desk@wire.example",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["article.published", "article.embargoed"]
    assert endpoint.secret.startswith("whsec_")
    page = chief.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret in page

    refused = chief.post(
        "/admin/webhooks/endpoint/add/",
        {
            "key": key.pk,
            "url": "https://127.0.0.1/hooks",
            "events": ["article.published"],
            "payload": "full",
            "contact": "desk@wire.example",
        },
    )
    assert refused.status_code == 200
    assert "private or reserved address" in refused.content.decode()
    assert Endpoint.objects.count() == 1


def test_the_secret_rotation_action_keeps_the_old_secret_signing(chief):
    endpoint = make_endpoint(PUBLIC_URL)
    old = endpoint.secret
    chief.post(
        "/admin/webhooks/endpoint/",
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.signing_secrets() == [endpoint.secret, old]


def test_the_delivery_log_shows_response_codes_and_redeliver_sends_again(chief, receiver):
    make_endpoint(receiver.url)
    receiver.answers = [500]
    make_article()
    call_command("worker", "--once")
    sent = Delivery.objects.get()
    assert sent.status == Delivery.Status.PENDING and sent.last_response_status == 500

    listing = chief.get("/admin/webhooks/delivery/").content.decode()
    assert "article.published" in listing and "500" in listing
    page = chief.get(f"/admin/webhooks/delivery/{sent.pk}/change/").content.decode()
    assert "500" in page and sent.message_id in page

    response = chief.post(
        "/admin/webhooks/delivery/",
        {"action": "redeliver", "_selected_action": [sent.pk]},
        follow=True,
    )
    assert "sent again" in response.content.decode()
    assert delivery.deliver_due() == 1
    sent.refresh_from_db()
    assert sent.status == Delivery.Status.DELIVERED
    assert list(sent.log.values_list("response_status", flat=True)) == [200, 500]
    assert len(receiver.requests) == 2
    assert {h["webhook-id"] for h, _ in receiver.requests} == {sent.message_id}


def test_the_delivery_log_is_read_only(chief):
    make_endpoint(PUBLIC_URL)
    make_article()
    dispatch.dispatch_all()
    sent = Delivery.objects.get()
    response = chief.post(f"/admin/webhooks/delivery/{sent.pk}/change/", {"status": "delivered"})
    assert response.status_code == 403
    assert chief.get("/admin/webhooks/delivery/add/").status_code == 403
