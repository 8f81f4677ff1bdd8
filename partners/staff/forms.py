from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User

from coreesim.staff.forms import ReasonForm
from partners.choices import ApiScope
from partners.webhooks.choices import WebhookEventType
from profiles.models import Plan


class PartnerCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=64, help_text="Short unique id, e.g. travelco")
    currency = forms.CharField(max_length=3, initial="USD")
    credit_limit = forms.DecimalField(max_digits=12, decimal_places=2, initial=Decimal("0"))
    display_name = forms.CharField(max_length=200, required=False)


class PartnerProfileForm(ReasonForm):
    """Name, traveler-facing branding and support contacts (Administrator)."""

    name = forms.CharField(max_length=200)
    display_name = forms.CharField(
        max_length=200, required=False, help_text="Name shown to travelers"
    )
    support_email = forms.EmailField(required=False)
    support_url = forms.URLField(required=False, assume_scheme="https")
    support_phone = forms.CharField(max_length=40, required=False)
    logo_url = forms.URLField(required=False, assume_scheme="https")
    brand_colour = forms.RegexField(
        regex=r"^#[0-9a-fA-F]{6}$",
        required=False,
        help_text="#rrggbb",
        error_messages={"invalid": "Use a #rrggbb colour."},
    )


class PartnerCreditForm(ReasonForm):
    """Credit terms (Finance); the currency only while nothing is booked on the ledger."""

    credit_limit = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        help_text="ISO 4217, e.g. EUR",
        error_messages={"invalid": "Use an ISO 4217 code such as USD or EUR."},
    )

    def __init__(self, *args: Any, currency_locked: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if currency_locked:
            field = self.fields["currency"]
            field.disabled = True
            field.help_text = "Fixed: the ledger already has entries in this currency."


class TopUpForm(ReasonForm):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reference = forms.CharField(max_length=200, required=False, help_text="Invoice or payment id")


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, required=False)
    scopes = forms.MultipleChoiceField(
        choices=ApiScope.choices,
        initial=[ApiScope.READ, ApiScope.WRITE],
        widget=forms.CheckboxSelectMultiple,
    )


class PlanAccessForm(ReasonForm):
    plans = forms.ModelMultipleChoiceField(
        queryset=Plan.objects.filter(is_active=True).order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Plans this partner may sell.",
    )


class PriceOverrideForm(ReasonForm):
    plan = forms.ModelChoiceField(queryset=Plan.objects.filter(is_active=True).order_by("code"))
    price = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(max_length=2048, assume_scheme="https")
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        choices=WebhookEventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked = every event.",
    )


class AccountManagerForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_staff=True, is_active=True).order_by("username")
    )
