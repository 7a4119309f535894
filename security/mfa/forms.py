"""The forms of the second factor and of re-authentication."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from security.mfa.verification import Outcome, verify_user_code


class CodeForm(forms.Form):
    """One code, checked against the user's devices by ``clean``."""

    otp_token = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.outcome: Outcome | None = None

    def clean_otp_token(self) -> str:
        code = self.cleaned_data["otp_token"]
        self.outcome = verify_user_code(self.user, code)
        if not self.outcome.ok:
            raise forms.ValidationError(self.outcome.error)
        return code


class EnrolForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("After adding the account, type the 6 digits the app shows."),
    )


class ReauthForm(forms.Form):
    """The password, and the code when the user has a second factor."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args, request, needs_code: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.outcome: Outcome | None = None
        if needs_code:
            self.fields["otp_token"] = forms.CharField(
                label=_("Code"),
                max_length=32,
                widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
                help_text=_(
                    "The 6 digits your authenticator app shows, or one of your recovery codes."
                ),
            )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        # Through the authentication backends, so that django-axes counts a wrong password
        # here like one at the login (a stolen session cannot guess it at leisure).
        checked = authenticate(self.request, username=user.get_username(), password=password)
        if getattr(self.request, "axes_locked_out", False):
            raise forms.ValidationError(
                _("Too many wrong passwords: this account is locked for a while. Try again later.")
            )
        if checked is None or checked.pk != user.pk:
            raise forms.ValidationError(_("The password is wrong."))
        return password

    def clean(self):
        cleaned = super().clean()
        if "otp_token" in self.fields and "password" in cleaned and "otp_token" in cleaned:
            self.outcome = verify_user_code(self.request.user, cleaned["otp_token"])
            if not self.outcome.ok:
                self.add_error("otp_token", self.outcome.error)
        return cleaned
