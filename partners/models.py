"""API keys of partners: who holds them, what they may see, how fast they may ask."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey

RATE_PATTERN = re.compile(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)")


def validate_rate(value):
    """A DRF throttle rate such as "1000/hour"."""
    if not RATE_PATTERN.fullmatch(value or ""):
        raise ValidationError(
            'Write the rate as a number of requests per period, e.g. "1000/hour" '
            "(periods: second, minute, hour, day)."
        )


class PartnerKey(AbstractAPIKey):
    """An API key of one partner. Stored hashed; the key itself is shown once, on creation."""

    partner = models.CharField(
        max_length=200, help_text="The organisation that holds this key, e.g. Example News Agency."
    )
    contact = models.EmailField(blank=True, help_text="Whom to tell about changes to the API.")
    can_see_embargoed = models.BooleanField(
        "embargo scope",
        default=False,
        help_text="Sees scheduled articles before their publication time, marked embargoed_until.",
    )
    can_see_revisions = models.BooleanField(
        "revisions scope",
        default=False,
        help_text="May read the published revisions of an article.",
    )
    throttle_rate = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_rate],
        help_text='Requests allowed, e.g. "5000/hour". Empty: the default partner rate.',
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"

    def __str__(self):
        return f"{self.partner} – {self.name}"

    @property
    def scopes(self):
        return [
            scope
            for scope, granted in (
                ("embargo", self.can_see_embargoed),
                ("revisions", self.can_see_revisions),
            )
            if granted
        ]

    @property
    def rate(self):
        return self.throttle_rate or settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["partner"]

    def record_use(self):
        """Count one request for today and remember when the key was last used."""
        now = timezone.now()
        day = timezone.localdate(now)
        PartnerKey.objects.filter(pk=self.pk).update(last_used_at=now)
        counted = KeyUsage.objects.filter(key=self, day=day).update(requests=F("requests") + 1)
        if not counted:
            try:
                with transaction.atomic():
                    KeyUsage.objects.create(key=self, day=day, requests=1)
            except IntegrityError:  # another request created today's row first
                KeyUsage.objects.filter(key=self, day=day).update(requests=F("requests") + 1)


class KeyUsage(models.Model):
    """How many requests a key made on one day."""

    key = models.ForeignKey(PartnerKey, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    requests = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="unique_key_usage_day")]
        verbose_name_plural = "key usage"

    def __str__(self):
        return f"{self.key}: {self.requests} on {self.day}"
