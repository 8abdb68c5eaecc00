import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone

from .models import Subscriber

CSV_FIELDS = ["email", "status", "signed_up_at", "consent_at", "consent_text", "unsubscribed_at"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "status", "signed_up_at", "consent_at"]
    list_filter = ["status"]
    search_fields = ["email"]
    readonly_fields = CSV_FIELDS
    actions = ["export_csv"]

    def has_add_permission(self, request):
        return False  # readers sign up themselves: consent comes from their inbox

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Export selected subscribers as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_FIELDS)
        for subscriber in queryset.order_by("signed_up_at", "pk").iterator():
            writer.writerow([csv_cell(getattr(subscriber, name)) for name in CSV_FIELDS])
        return response
