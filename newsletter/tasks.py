"""The confirmation mail, sent by `manage.py worker` after the sign-up committed."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django_tasks import task

from .models import Subscriber
from .tokens import confirm_token, unsubscribe_token


@task()
def send_confirmation(subscriber_id: int) -> bool:
    subscriber = Subscriber.objects.filter(
        pk=subscriber_id, status=Subscriber.Status.PENDING
    ).first()
    if subscriber is None:  # confirmed or gone meanwhile
        return False
    confirm_url = settings.SITE_URL + reverse(
        "newsletter:confirm", kwargs={"token": confirm_token(subscriber)}
    )
    unsubscribe_url = settings.SITE_URL + reverse(
        "newsletter:unsubscribe", kwargs={"token": unsubscribe_token(subscriber)}
    )
    days = settings.NEWSLETTER_CONFIRM_DAYS
    send_mail(
        subject=f"Confirm your subscription to the {settings.SITE_NAME} newsletter",
        message=(
            f"Someone, probably you, asked to receive the {settings.SITE_NAME} newsletter at "
            f"this address.\n\nTo confirm, open this link (it works for {days} days) and press "
            f"the button:\n{confirm_url}\n\nIf it was not you, ignore this mail: nothing will "
            f"be sent. To stop any mail from us at any time:\n{unsubscribe_url}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[subscriber.email],
    )
    return True
