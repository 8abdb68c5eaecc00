"""Newsletter sign-up: double opt-in by e-mail, unsubscribe, CSRF, rate limits, CSV export."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail, signing
from django.test import Client

from newsletter.models import Subscriber
from newsletter.tokens import CONFIRM_SALT
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SIGNUP = "/newsletter/"


def sign_up(client, email="reader@example.org", consent="on", **extra):
    data = {"email": email}
    if consent:
        data["consent"] = consent
    return client.post(SIGNUP, data, **extra)


def link_in(message, name):
    return re.search(rf"https?://[^/\s]+(/newsletter/{name}/[^\s]+/)", message.body).group(1)


@pytest.mark.django_db(transaction=True)  # the worker runs jobs in its own transactions
def test_sign_up_confirm_and_unsubscribe(client, run_tasks):
    response = sign_up(client)
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING and subscriber.consent_at is None
    assert subscriber.consent_text.startswith("I want the newsletter")
    assert mail.outbox == []  # sent by the worker, after the commit

    run_tasks()
    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    confirm = link_in(message, "confirm")
    assert client.get(confirm).status_code == 200  # a page with a button: scanners confirm nothing
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING

    response = client.post(confirm)
    assert "You are subscribed" in response.text
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED and subscriber.consent_at
    assert list(Subscriber.objects.confirmed()) == [subscriber]

    unsubscribe = link_in(message, "unsubscribe")
    assert "You are unsubscribed" in Client().post(unsubscribe).text  # one click, no CSRF token
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED and subscriber.unsubscribed_at


@pytest.mark.django_db(transaction=True)  # the worker runs jobs in its own transactions
def test_signing_up_again_never_tells_who_is_subscribed(client, run_tasks):
    sign_up(client)
    run_tasks()
    client.post(link_in(mail.outbox[0], "confirm"))
    mail.outbox.clear()
    response = sign_up(client, email="READER@example.org")
    assert "Check your inbox" in response.text
    run_tasks()
    assert mail.outbox == []  # already confirmed: no mail, and the page says the same
    assert Subscriber.objects.count() == 1


@pytest.mark.parametrize(
    ("email", "consent", "message"),
    [
        ("", "on", "Enter your e-mail address."),
        ("not-an-address", "on", "Enter an e-mail address such as name@example.org."),
        ("reader@example.org", None, "Tick the box to agree to receive the newsletter."),
    ],
)
def test_bad_sign_ups_are_explained_next_to_the_field(client, email, consent, message):
    response = sign_up(client, email=email, consent=consent)
    assert response.status_code == 400
    assert message in response.text
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text
    assert Subscriber.objects.count() == 0


def test_forged_or_expired_links_do_nothing(client, settings):
    Subscriber.objects.create(email="reader@example.org")
    forged = signing.dumps([1, "reader@example.org"], salt="another-salt")
    assert client.post(f"/newsletter/confirm/{forged}/").status_code == 400
    settings.NEWSLETTER_CONFIRM_DAYS = -1  # every link has expired
    token = signing.dumps([Subscriber.objects.get().pk, "reader@example.org"], salt=CONFIRM_SALT)
    assert "does not work" in client.post(f"/newsletter/confirm/{token}/").text
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_the_form_needs_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert sign_up(client).status_code == 403
    page = client.get(SIGNUP)
    assert "no-cache" in page["Cache-Control"]  # never stored: the page carries a token
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        SIGNUP, {"email": "reader@example.org", "consent": "on", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200


def test_sign_ups_are_rate_limited_per_address_and_per_email(client, settings):
    settings.NEWSLETTER_SIGNUPS_PER_HOUR_PER_ADDRESS = 2
    settings.NEWSLETTER_SIGNUPS_PER_HOUR_PER_EMAIL = 5
    assert sign_up(client, email="a@example.org").status_code == 200
    assert sign_up(client, email="b@example.org").status_code == 200
    blocked = sign_up(client, email="c@example.org")
    assert blocked.status_code == 429
    assert "Too many sign-ups" in blocked.text
    assert sign_up(client, email="c@example.org", REMOTE_ADDR="192.0.2.9").status_code == 200

    settings.NEWSLETTER_SIGNUPS_PER_HOUR_PER_ADDRESS = 100
    settings.NEWSLETTER_SIGNUPS_PER_HOUR_PER_EMAIL = 1
    assert sign_up(client, email="d@example.org", REMOTE_ADDR="192.0.2.10").status_code == 200
    assert sign_up(client, email="d@example.org", REMOTE_ADDR="192.0.2.11").status_code == 429


def test_editors_export_the_list_as_csv_without_formulas(client):
    Subscriber.objects.create(email="=cmd@example.org", status=Subscriber.Status.CONFIRMED)
    Subscriber.objects.create(email="plain@example.org")
    editor = make_user("editor-csv", role="Editor")
    Permission.objects.get(codename="view_subscriber").group_set.add(*editor.groups.all())
    client.force_login(editor)
    response = client.post(
        "/admin/newsletter/subscriber/",
        {
            "action": "export_csv",
            "_selected_action": list(Subscriber.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "email", "status", "signed_up_at", "consent_at", "consent_text", "unsubscribed_at",
    ]  # fmt: skip
    assert [row[:2] for row in rows[1:]] == [
        ["'=cmd@example.org", "confirmed"],
        ["plain@example.org", "pending"],
    ]


def test_the_migration_lets_editors_and_publishers_see_subscribers():
    permission = Permission.objects.get(codename="view_subscriber")
    assert {group.name for group in permission.group_set.all()} >= {"Editor", "Publisher"}


def test_a_contributor_cannot_export(client):
    client.force_login(make_user("contrib-csv", role="Contributor"))
    assert client.get("/admin/newsletter/subscriber/").status_code == 403
