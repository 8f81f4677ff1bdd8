"""Forms of the staff shell (login, second factor, audit filters) and the reason field every
audited action form shares."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.http import HttpRequest


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        # The request goes along so django-axes can count failures and refuse locked-out ones.
        user = authenticate(self.request, username=data["username"], password=data["password"])
        if not isinstance(user, User) or not user.is_staff:
            raise forms.ValidationError("Unknown username or wrong password.")
        self.user = user
        return data


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())


class ReasonForm(forms.Form):
    """Base of every confirmation form: no staff action changes service without a reason."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text="Why? Kept in the audit log.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("A reason is required.")
        return reason


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, label="Who")
    action = forms.CharField(required=False)
    object_type = forms.CharField(required=False, label="Object type")
    object_id = forms.CharField(required=False, label="Object id")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, label="Reason contains")
