"""Two-factor login for the editorial desk (django-otp): TOTP apps and recovery codes.

- Any staff member may enrol at /admin/two-factor/ (an authenticator app, confirmed by one
  code; ten single-use recovery codes are shown once). Whoever has a device gives a code at
  every login: the admin login form asks for it.
- Whoever can publish must enrol when `OTP_REQUIRED_FOR_PUBLISHERS` is on (production
  default): until then every admin page leads to the enrolment page, and a session that was
  not verified by a code (e.g. opened before the rule) is sent back to the login page.
- A lost phone: log in with a recovery code and enrol again, or a superuser deletes the
  device in the admin (OTP_TOTP > TOTP devices).
"""

import logging
from base64 import b32encode
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger("cpc_site.two_factor")

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def must_use_two_factor(user):
    return settings.OTP_REQUIRED_FOR_PUBLISHERS and user.has_perm("articles.publish_article")


def verified_device(user, code):
    """The user's confirmed device that accepts `code` (a 6-digit TOTP code or a recovery
    code), or None. Only devices of the code's kind are tried: a TOTP code never counts as
    a failed attempt against the recovery codes, nor the reverse."""
    code = "".join(code.split()).lower()
    kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    # Devices are locked while verified: a code is used once, even by concurrent logins.
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if isinstance(device, kind) and device.verify_is_allowed()[0]:
                if device.verify_token(code):
                    return device
    return None


class TwoFactorLoginForm(AdminAuthenticationForm):
    """The admin login: username and password, then a code for users with a device."""

    otp_token = forms.CharField(
        required=False,
        label="Two-factor code",
        help_text="If you use two-factor login: the 6-digit code of your authenticator app, "
        "or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None or not user_has_device(user):
            return cleaned
        code = cleaned.get("otp_token", "")
        if not code:
            raise ValidationError(
                "Enter the code of your authenticator app (or a recovery code).",
                code="token_required",
            )
        device = verified_device(user, code)
        if device is None:
            logger.warning("Wrong two-factor code for %s.", user.get_username())
            raise ValidationError("That two-factor code is not right.", code="invalid_token")
        user.otp_device = device  # django-otp records it in the session at login
        return cleaned


class TwoFactorRequiredMiddleware:
    """Send publishers without a verified device to enrolment (or back to the login)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            request.path_info.startswith("/admin/")
            and user.is_authenticated
            and user.is_staff
            and not user.is_verified()
            and must_use_two_factor(user)
        ):
            return self._refuse(request, user)
        return self.get_response(request)

    def _refuse(self, request, user):
        enrol = reverse("two-factor")
        if user_has_device(user):
            # Logged in without a code (a session from before the device or the rule).
            logout(request)
            login = reverse("admin:login")
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        if request.path_info in (enrol, reverse("admin:logout"), reverse("admin:jsi18n")):
            return self.get_response(request)
        return redirect(enrol)


def _app_device(user):
    """The user's authenticator app: the confirmed one, or one waiting for its first code."""
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=None).order_by("-confirmed")
    device = devices.first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def new_recovery_codes(user):
    """Replace the user's recovery codes; returns them (shown once, stored as given)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


class ConfirmDeviceForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@never_cache
def enrol(request):
    """/admin/two-factor/: set up an authenticator app, or renew recovery codes."""
    user = request.user
    device = _app_device(user)
    form = ConfirmDeviceForm(request.POST or None)
    codes = None
    if request.method == "POST" and request.POST.get("action") == "recovery-codes":
        if device.confirmed and user.is_verified():
            codes = new_recovery_codes(user)
            logger.warning("New recovery codes for %s.", user.get_username())
    elif request.method == "POST" and not device.confirmed and form.is_valid():
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            if device.verify_token("".join(form.cleaned_data["code"].split())):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = new_recovery_codes(user)
        if device.confirmed:
            otp_login(request, device)
            logger.warning("Two-factor login turned on for %s.", user.get_username())
        else:
            form.add_error("code", "That code is not right: check the time on your phone.")
    context = {
        **admin.site.each_context(request),
        "title": "Two-factor login",
        "device": device,
        "form": form,
        "secret": b32encode(device.bin_key).decode().rstrip("="),
        "recovery_codes": codes,
        "required": must_use_two_factor(user),
        "remaining_codes": StaticToken.objects.filter(device__user=user).count(),
    }
    return TemplateResponse(request, "admin/two_factor.html", context)
