"""Webhook endpoints (registered for partners) and the delivery log, with "redeliver"."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html

from . import delivery
from .models import Delivery, DeliveryAttempt, Endpoint, Event


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text=Endpoint._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="article.embargoed needs a key with the embargo scope.",
    )

    class Meta:
        model = Endpoint
        fields = ["key", "url", "description", "events", "payload", "contact", "is_active"]


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "partner", "event_list", "is_active", "failing", "created_at"]
    list_filter = ["is_active", "payload"]
    search_fields = ["url", "key__partner", "contact"]
    list_select_related = ["key"]
    autocomplete_fields = ["key"]
    readonly_fields = ["signing_secret", "disabled_at", "disabled_reason", "created_at"]
    actions = ["rotate_secret", "enable", "disable"]
    fieldsets = [
        (None, {"fields": ["key", "url", "description", "events", "payload", "contact"]}),
        ("Signing", {"fields": ["signing_secret"]}),
        ("State", {"fields": ["is_active", "disabled_at", "disabled_reason", "created_at"]}),
    ]

    def get_queryset(self, request):
        pending = Q(deliveries__status=Delivery.Status.PENDING, deliveries__attempts__gt=0)
        return super().get_queryset(request).annotate(failing_count=Count("pk", filter=pending))

    @admin.display(description="Partner", ordering="key__partner")
    def partner(self, endpoint):
        return endpoint.key.partner

    @admin.display(description="Events")
    def event_list(self, endpoint):
        return ", ".join(name.removeprefix("article.") for name in endpoint.events)

    @admin.display(description="Deliveries being retried", ordering="failing_count")
    def failing(self, endpoint):
        return endpoint.failing_count

    @admin.display(description="Signing secret")
    def signing_secret(self, endpoint):
        if not endpoint.pk:
            return "Made when the endpoint is saved."
        previous = ""
        if endpoint.previous_secret and endpoint.previous_secret_expires_at > timezone.now():
            previous = format_html(
                "<br>Previous secret, still signing until {}: <code>{}</code>",
                endpoint.previous_secret_expires_at.strftime("%Y-%m-%d %H:%M UTC"),
                endpoint.previous_secret,
            )
        return format_html(
            "<code>{}</code>{}<br>Give it to the partner: it verifies the "
            "<code>webhook-signature</code> header (Standard Webhooks).",
            endpoint.secret,
            previous,
        )

    @admin.action(description="Rotate the signing secret (the old one signs for another day)")
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint.rotate_secret()
            endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        self.message_user(request, f"New secrets for {len(queryset)} endpoint(s).")

    @admin.action(description="Enable (pending deliveries are sent)")
    def enable(self, request, queryset):
        count = queryset.update(is_active=True, disabled_at=None, disabled_reason="")
        self.message_user(request, f"{count} endpoint(s) enabled.")

    @admin.action(description="Disable")
    def disable(self, request, queryset):
        count = queryset.update(
            is_active=False, disabled_at=timezone.now(), disabled_reason="Disabled by an editor."
        )
        self.message_user(request, f"{count} endpoint(s) disabled.")


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["attempted_at", "response_status", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "delivery log"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event_type",
        "article_id",
        "endpoint",
        "status",
        "attempts",
        "last_response_status",
        "next_attempt_at",
    ]
    list_filter = ["status", "event_type", "endpoint"]
    search_fields = ["message_id", "endpoint__url"]
    list_select_related = ["endpoint__key"]
    inlines = [DeliveryAttemptInline]
    actions = ["redeliver"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "endpoint", "change", "article_id", "event_type", "message_id", "status", "attempts",
        "next_attempt_at", "first_attempt_at", "last_attempt_at", "last_response_status",
        "last_error", "delivered_at", "created_at", "payload",
    ]  # fmt: skip
    exclude = ["leased_until", "lease_token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the log is read-only; the one change is the redeliver action

    def has_redeliver_permission(self, request):
        return request.user.has_perm("webhooks.change_delivery")

    @admin.action(description="Redeliver now", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        count = delivery.redeliver(queryset)
        disabled = queryset.filter(endpoint__is_active=False).values("endpoint").distinct().count()
        self.message_user(request, f"{count} delivery(ies) will be sent again within seconds.")
        if disabled:
            self.message_user(
                request,
                f"{disabled} of their endpoint(s) are disabled: enable them to send.",
                messages.WARNING,
            )
