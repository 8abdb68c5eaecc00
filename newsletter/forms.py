from django import forms

from .services import CONSENT_TEXT


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "Enter an e-mail address such as name@example.org.",
        },
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": "Tick the box to agree to receive the newsletter."},
    )

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:  # the message under the field describes it
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-error"
