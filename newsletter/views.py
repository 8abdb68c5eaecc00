"""The sign-up page, and the pages behind the links of the confirmation mail. Never cached
(they carry a CSRF token or act on one address)."""

from django.conf import settings
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from . import services
from .forms import SignUpForm
from .ratelimit import allow_sign_up
from .tokens import read_confirm_token, read_unsubscribe_token

TOO_MANY = "Too many sign-ups from here in the last hour. Please try again later."


def client_address(request):
    """The reader's address; behind `API_NUM_PROXIES` proxies, the one they saw."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxies and len(forwarded) >= proxies and forwarded[-proxies]:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


@method_decorator(never_cache, name="dispatch")
class SignUpView(View):
    template_name = "newsletter/signup.html"

    def get(self, request):
        return render(request, self.template_name, {"form": SignUpForm()})

    def post(self, request):
        form = SignUpForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        email = form.cleaned_data["email"]
        if not allow_sign_up(client_address=client_address(request), email=email):
            form.add_error(None, TOO_MANY)
            return render(request, self.template_name, {"form": form}, status=429)
        services.sign_up(email=email)
        return render(request, "newsletter/check_inbox.html", {"email": email})


@method_decorator(never_cache, name="dispatch")
class ConfirmView(View):
    """The link in the mail shows a button: mail scanners that open links confirm nothing."""

    template_name = "newsletter/confirm.html"

    def get(self, request, token):
        valid = read_confirm_token(token) is not None
        return render(request, self.template_name, {"valid": valid}, status=200 if valid else 400)

    def post(self, request, token):
        found = read_confirm_token(token)
        subscriber = found and services.confirm(subscriber_id=found[0], email=found[1])
        if not subscriber:
            return render(request, self.template_name, {"valid": False}, status=400)
        return render(request, self.template_name, {"valid": True, "confirmed": True})


@method_decorator([never_cache, csrf_exempt], name="dispatch")
class UnsubscribeView(View):
    """The signed link is the proof; its POST also serves one-click unsubscribe (RFC 8058),
    which mail programs send without a CSRF token."""

    template_name = "newsletter/unsubscribe.html"

    def get(self, request, token):
        valid = read_unsubscribe_token(token) is not None
        return render(request, self.template_name, {"valid": valid}, status=200 if valid else 400)

    def post(self, request, token):
        found = read_unsubscribe_token(token)
        subscriber = found and services.unsubscribe(subscriber_id=found[0], email=found[1])
        if not subscriber:
            return render(request, self.template_name, {"valid": False}, status=400)
        return render(request, self.template_name, {"valid": True, "done": True})
