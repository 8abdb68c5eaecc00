"""API keys of partners: who holds them, what they may see, how fast they may ask."""

import re
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey

# Counters of requests not yet in the database live this long (the flush runs every minute).
USAGE_COUNTER_SECONDS = 3 * 24 * 3600
RATE_PATTERN = re.compile(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)")


def count_in_cache(counter, timeout, *, local_fallback=True):
    """Add one to a counter in the cache (created to live `timeout` seconds); return it. One
    round trip with the project's Redis cache (its `count`), two or three with others.

    While Redis is away the project's cache counts in this process (rate limits fail open to
    a per-process limit), or returns None with `local_fallback=False`."""
    count = getattr(cache, "count", None)
    if count is not None:
        return count(counter, timeout, local_fallback=local_fallback)
    if cache.add(counter, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(counter)
    except ValueError:  # expired between the two calls
        cache.add(counter, 1, timeout=timeout)
        return 1


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
        """Count one request for today and remember when the key was last used.

        With a shared cache (`PARTNER_USAGE_IN_CACHE`) the request is counted there (one
        increment) and `flush_usage()` moves the counts into the database every minute: a
        keyed answer served from the response cache then writes nothing to the database."""
        now = timezone.now()
        day = timezone.localdate(now)
        if settings.PARTNER_USAGE_IN_CACHE:
            counter = _usage_counter(self.pk, day)
            if count_in_cache(counter, USAGE_COUNTER_SECONDS, local_fallback=False) is not None:
                return
            # The cache is away: count in the database rather than lose the request.
        self.count_uses(day, 1, now)

    def count_uses(self, day, requests, last_used_at):
        PartnerKey.objects.filter(pk=self.pk).update(last_used_at=last_used_at)
        counted = KeyUsage.objects.filter(key=self, day=day).update(
            requests=F("requests") + requests
        )
        if not counted:
            try:
                with transaction.atomic():
                    KeyUsage.objects.create(key=self, day=day, requests=requests)
            except IntegrityError:  # another request created today's row first
                KeyUsage.objects.filter(key=self, day=day).update(requests=F("requests") + requests)


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


def _usage_counter(key_id, day):
    return f"partner-usage:{key_id}:{day.isoformat()}"


def flush_usage():
    """Move the request counts kept in the cache into KeyUsage (today's and yesterday's):
    each counter is decreased by exactly what was moved, so requests counted meanwhile stay."""
    now = timezone.now()
    today = timezone.localdate(now)
    days = (today - timedelta(days=1), today)
    keys = {key.pk: key for key in PartnerKey.objects.filter(revoked=False).only("pk")}
    counters = {_usage_counter(pk, day): (pk, day) for pk in keys for day in days}
    moved = 0
    for counter, requests in cache.get_many(list(counters)).items():
        if requests:
            pk, day = counters[counter]
            cache.decr(counter, requests)
            keys[pk].count_uses(day, requests, now)
            moved += requests
    return moved
