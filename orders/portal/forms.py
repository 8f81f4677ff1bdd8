from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class FindEsimForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    reference = forms.CharField(
        label=_("Order reference"),
        max_length=64,
        help_text=_("It is in your purchase confirmation."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip()
