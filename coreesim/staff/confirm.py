"""The confirmation page every staff action goes through before it changes anything."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    question: str,
    consequence: str,
    form: forms.Form,
    button: str,
    cancel_url: str,
    button_class: str = "",
) -> HttpResponse:
    """The page that asks ``question``, says what follows and takes the reason in ``form``."""
    return render(
        request,
        "staff/includes/confirm.html",
        {
            "title": title,
            "question": question,
            "consequence": consequence,
            "form": form,
            "button": button,
            "button_class": button_class,
            "cancel_url": cancel_url,
        },
    )
