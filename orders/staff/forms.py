from __future__ import annotations

from django import forms

from orders.choices import OrderStatus
from partners.models import Partner
from profiles.models import Plan


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "any"), *OrderStatus.choices], required=False)
    partner = forms.ModelChoiceField(queryset=Partner.objects.order_by("name"), required=False)
    plan = forms.ModelChoiceField(queryset=Plan.objects.order_by("code"), required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self, *args: object, partner_ids: list[int] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if partner_ids is not None:
            field = self.fields["partner"]
            field.queryset = Partner.objects.filter(pk__in=partner_ids).order_by("name")  # type: ignore[attr-defined]
