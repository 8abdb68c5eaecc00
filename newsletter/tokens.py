"""Signed links of the double opt-in: nothing secret is stored, and a confirmation link
expires (`NEWSLETTER_CONFIRM_DAYS`); an unsubscribe link works for as long as the address is
on the list."""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


def confirm_token(subscriber):
    return signing.dumps([subscriber.pk, subscriber.email.lower()], salt=CONFIRM_SALT)


def unsubscribe_token(subscriber):
    return signing.dumps([subscriber.pk, subscriber.email.lower()], salt=UNSUBSCRIBE_SALT)


def read_confirm_token(token):
    """(id, e-mail) from a confirmation token, or None if forged or expired."""
    max_age = settings.NEWSLETTER_CONFIRM_DAYS * 24 * 3600
    return _read(token, CONFIRM_SALT, max_age=max_age)


def read_unsubscribe_token(token):
    return _read(token, UNSUBSCRIBE_SALT, max_age=None)


def _read(token, salt, *, max_age):
    try:
        subscriber_id, email = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return subscriber_id, email
