from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        """Who asked for the newsletter and confirmed it from their inbox: the mailing list."""
        return self.filter(status=Subscriber.Status.CONFIRMED)


class Subscriber(models.Model):
    """One e-mail address that signed up (double opt-in: pending until confirmed)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    signed_up_at = models.DateTimeField(default=timezone.now)
    consent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the address confirmed the subscription."
    )
    consent_text = models.CharField(
        max_length=300, blank=True, help_text="What the reader agreed to when signing up."
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_up_at", "-pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="unique_subscriber_email"),
        ]

    def __str__(self):
        return self.email

    def get_absolute_url(self):
        return reverse("newsletter:signup")
