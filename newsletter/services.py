"""Every change to the list: sign up (double opt-in), confirm, unsubscribe."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Subscriber
from .tasks import send_confirmation

CONSENT_TEXT = "I want the newsletter by e-mail and may unsubscribe at any time."


@transaction.atomic
def sign_up(*, email: str, consent_text: str = CONSENT_TEXT) -> Subscriber:
    """Ask `email` to confirm (a mail with a link, sent by a job after the commit). A confirmed
    address is left as it is and gets no mail: the page says the same either way, so it never
    tells whether someone is on the list."""
    email = email.strip()
    subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
    if subscriber is not None and subscriber.status == Subscriber.Status.CONFIRMED:
        return subscriber
    if subscriber is None:
        try:
            with transaction.atomic():
                subscriber = Subscriber.objects.create(email=email, consent_text=consent_text)
        except IntegrityError:  # the same address signed up a moment ago
            subscriber = Subscriber.objects.select_for_update().get(email__iexact=email)
    else:
        subscriber.status = Subscriber.Status.PENDING
        subscriber.signed_up_at = timezone.now()
        subscriber.consent_text = consent_text
        subscriber.save(update_fields=["status", "signed_up_at", "consent_text"])
    send_confirmation.enqueue(subscriber.pk)
    return subscriber


@transaction.atomic
def confirm(*, subscriber_id: int, email: str) -> Subscriber | None:
    """Confirm a pending (or re-confirm an unsubscribed) address from its signed link."""
    subscriber = (
        Subscriber.objects.select_for_update().filter(pk=subscriber_id, email__iexact=email).first()
    )
    if subscriber is None:
        return None
    if subscriber.status != Subscriber.Status.CONFIRMED:
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.consent_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["status", "consent_at", "unsubscribed_at"])
    return subscriber


@transaction.atomic
def unsubscribe(*, subscriber_id: int, email: str) -> Subscriber | None:
    subscriber = (
        Subscriber.objects.select_for_update().filter(pk=subscriber_id, email__iexact=email).first()
    )
    if subscriber is None:
        return None
    if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber
