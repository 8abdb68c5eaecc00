from datetime import timedelta

from django.contrib import admin
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.html import format_html_join
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from .models import PartnerKey

USAGE_DAYS = 30

# Partners hold PartnerKeys only; the library's plain key model would be a second, unused list.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(PartnerKey)
class PartnerKeyAdmin(APIKeyModelAdmin):
    list_display = [
        "partner",
        "name",
        "prefix",
        "scope_list",
        "rate_display",
        "requests_today",
        "requests_recent",
        "last_used_at",
        "created",
        "revoked",
    ]
    list_filter = ["revoked", "can_see_embargoed", "can_see_revisions", "created"]
    search_fields = ["partner", "name", "prefix"]
    fieldsets = [
        (None, {"fields": ["partner", "name", "contact", "prefix"]}),
        ("Access", {"fields": ["can_see_embargoed", "can_see_revisions", "throttle_rate"]}),
        ("Validity", {"fields": ["expiry_date", "revoked"]}),
        ("Usage", {"fields": ["last_used_at", "usage_table"]}),
    ]

    def get_queryset(self, request):
        today = timezone.localdate()
        since = today - timedelta(days=USAGE_DAYS - 1)
        return (
            super()
            .get_queryset(request)
            .annotate(
                today_count=Sum("usage__requests", filter=Q(usage__day=today), default=0),
                recent_count=Sum("usage__requests", filter=Q(usage__day__gte=since), default=0),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "last_used_at", "usage_table"]

    @admin.display(description="Scopes")
    def scope_list(self, key):
        return ", ".join(key.scopes) or "—"

    @admin.display(description="Rate")
    def rate_display(self, key):
        return key.throttle_rate or f"{key.rate} (default)"

    @admin.display(description="Requests today", ordering="today_count")
    def requests_today(self, key):
        return key.today_count

    @admin.display(description=f"Requests, last {USAGE_DAYS} days", ordering="recent_count")
    def requests_recent(self, key):
        return key.recent_count

    @admin.display(description=f"Requests per day (last {USAGE_DAYS} days)")
    def usage_table(self, key):
        if not key.pk:
            return "—"
        rows = key.usage.all()[:USAGE_DAYS]
        if not rows:
            return "No requests yet."
        return format_html_join(
            "", "<div>{}: {}</div>", ((row.day.isoformat(), row.requests) for row in rows)
        )
