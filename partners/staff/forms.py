from __future__ import annotations

from decimal import Decimal

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
