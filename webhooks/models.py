"""Webhook endpoints of partners, and the deliveries made to them from the change log.

An endpoint belongs to a partner key: it receives the events that key may read in the change
feed (`article.embargoed` and early withdrawals only with the embargo scope). Deliveries are
created by the dispatcher (`webhooks.dispatch`) from the commit-ordered change log, one per
endpoint and event, and sent by workers (`webhooks.delivery`), which lease a row while they
send it so that a worker killed mid-delivery leaves it to another.
"""

import base64
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from articles.models import ContentChange
from partners.models import PartnerKey

from .addresses import validate_endpoint_url

SECRET_PREFIX = "whsec_"


def new_secret():
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class Event(models.TextChoices):
    PUBLISHED = "article.published", "article.published: an article went live"
    UPDATED = "article.updated", "article.updated: a live article changed"
    UNPUBLISHED = "article.unpublished", "article.unpublished: an article was withdrawn"
    DELETED = "article.deleted", "article.deleted: an article was deleted"
    EMBARGOED = (
        "article.embargoed",
        (
            "article.embargoed: an article was scheduled or changed while scheduled "
            "(keys with the embargo scope)"
        ),
    )


class Endpoint(models.Model):
    class Payload(models.TextChoices):
        FULL = "full", "The article as the API shows it"
        LINK = "link", "Only a link to the article in the API"

    key = models.ForeignKey(
        PartnerKey,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name="partner key",
        help_text="Deliveries show what this key may read: embargoed events need its embargo "
        "scope, and nothing is sent once it is revoked or expired.",
    )
    url = models.URLField(
        "URL",
        max_length=500,
        validators=[validate_endpoint_url],
        help_text="Where events are POSTed (https; never a private or loopback address).",
    )
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(
        default=list, help_text="The events this endpoint receives (article.published, …)."
    )
    payload = models.CharField(max_length=10, choices=Payload, default=Payload.FULL)
    contact = models.EmailField(
        help_text="Told by e-mail when deliveries keep failing and the endpoint is disabled."
    )
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(
        "active", default=True, help_text="Disabled endpoints get no new deliveries."
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key__partner", "url"]
        verbose_name = "webhook endpoint"

    def __str__(self):
        return f"{self.key.partner}: {self.url}"

    def clean(self):
        unknown = set(self.events) - set(Event.values)
        if not self.events or unknown:
            raise ValidationError({"events": "Choose at least one of the listed events."})
        if Event.EMBARGOED in self.events and self.key_id and not self.key.can_see_embargoed:
            raise ValidationError(
                {"events": "article.embargoed needs a partner key with the embargo scope."}
            )

    def signing_secrets(self, now=None):
        """The secrets to sign with: the current one, and the previous one during a rotation."""
        now = now or timezone.now()
        keys = [self.secret]
        if (
            self.previous_secret
            and self.previous_secret_expires_at
            and (self.previous_secret_expires_at > now)
        ):
            keys.append(self.previous_secret)
        return keys

    def rotate_secret(self, now=None):
        """A new secret; the old one keeps signing too for WEBHOOK_SECRET_ROTATION_HOURS."""
        now = now or timezone.now()
        self.previous_secret = self.secret
        self.previous_secret_expires_at = now + timedelta(
            hours=settings.WEBHOOK_SECRET_ROTATION_HOURS
        )
        self.secret = new_secret()

    def wants(self, event_type, audience):
        if event_type not in self.events:
            return False
        return audience == ContentChange.Audience.PUBLIC or self.key.can_see_embargoed


class Delivery(models.Model):
    """One event for one endpoint: sent (and retried) until it is answered with a 2xx."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"
        CANCELLED = "cancelled", "Cancelled (the key may no longer read it)"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    change = models.ForeignKey(
        ContentChange, on_delete=models.CASCADE, related_name="+", help_text="The logged event."
    )
    article_id = models.BigIntegerField(help_text="Deliveries of one article go out in order.")
    event_type = models.CharField(max_length=30, choices=Event)
    message_id = models.CharField(
        max_length=40, unique=True, help_text="The webhook-id header: the same on every retry."
    )
    payload = models.TextField(help_text="The JSON body, exactly as signed and sent.")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "change"], name="one_delivery_per_event")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_due",
            ),
            models.Index(fields=["endpoint", "article_id", "id"], name="delivery_article_order"),
        ]

    def __str__(self):
        return f"{self.event_type} #{self.article_id} → {self.endpoint.url}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery and what came back: the delivery log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at", "-pk"]

    def __str__(self):
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.response_status or self.error}"


class DispatchCursor(models.Model):
    """How far the dispatcher has read the change log (one row; see `webhooks.dispatch`)."""

    position = models.BigIntegerField(default=0)
    change_id = models.BigIntegerField(default=0)

    def __str__(self):
        return f"after ({self.position}, {self.change_id})"
