"""Login (password, then TOTP or a recovery code), enrolment with a QR, logout.

The password step logs the user in without a second factor; StaffAccessMiddleware then lets
that session reach nothing but these pages until ``django_otp.login`` marks it verified.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.middleware import is_verified
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from coreesim.staff.access import staff_user
from coreesim.staff.choices import AuthAction
from coreesim.staff.forms import LoginForm, TokenForm
from coreesim.staff.qr import qr_svg
from coreesim.staff.services import (
    audit_record,
    recovery_codes_create,
    totp_device_confirm,
    totp_device_start,
)

HOME = "/staff/"


def _next(request: HttpRequest) -> str:
    """Where to go after logging in: ``next`` if it stays on this site, else the dashboard."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return HOME


def _with_next(name: str, request: HttpRequest) -> str:
    nxt = _next(request)
    url = reverse(name)
    return url if nxt == HOME else f"{url}?next={nxt}"


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and is_verified(request.user):
        return HttpResponseRedirect(_next(request))
    form = LoginForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        if form.user is None:
            raise PermissionDenied
        login(request, form.user)
        target = "staff:verify" if user_has_device(form.user) else "staff:enroll"
        return HttpResponseRedirect(_with_next(target, request))
    return render(
        request, "staff/auth/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
def verify_view(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    if not user_has_device(user):
        return HttpResponseRedirect(_with_next("staff:enroll", request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            used_recovery = isinstance(device, StaticDevice)
            audit_record(
                action=AuthAction.RECOVERY_CODE_USED if used_recovery else AuthAction.LOGIN,
                request=request,
                object_type="auth.user",
                object_id=user.pk,
                object_repr=user.get_username(),
            )
            if used_recovery:
                left = device.token_set.count()
                messages.warning(request, f"You logged in with a recovery code; {left} are left.")
            return HttpResponseRedirect(_next(request))
        form.add_error("token", "That code is not valid (or was used already). Try the next one.")
    return render(request, "staff/auth/verify.html", {"form": form, "next": _next(request)})


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
def enroll_view(request: HttpRequest) -> HttpResponse:
    """First login: add an authenticator app by QR, confirm one code, get recovery codes.

    Only for a user with no confirmed device at all: one who still has recovery codes (say the
    authenticator was deleted) proves one at verify first, else a password alone would do.
    """
    user = staff_user(request)
    if user_has_device(user, confirmed=True):
        return HttpResponseRedirect(_with_next("staff:verify", request))
    device = totp_device_start(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_device_confirm(device=device, token=form.cleaned_data["token"], request=request):
            otp_login(request, device)
            codes = recovery_codes_create(user=user, request=request)
            return render(
                request,
                "staff/auth/recovery_codes.html",
                {"codes": codes, "continue_to": _next(request), "first_time": True},
            )
        form.add_error("token", "That code does not match; check the phone's clock and retry.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "staff/auth/enroll.html",
        {
            "form": form,
            "qr": qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "issuer": settings.OTP_TOTP_ISSUER,
            "next": _next(request),
        },
    )


@require_POST
@csrf_protect
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes (the old ones stop working) and show the new ones once."""
    codes = recovery_codes_create(user=staff_user(request), request=request)
    return render(
        request,
        "staff/auth/recovery_codes.html",
        {"codes": codes, "continue_to": reverse("staff:account"), "first_time": False},
    )


@never_cache
def account_view(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    recovery_left = StaticToken.objects.filter(device__user=user).count()
    return render(
        request,
        "staff/auth/account.html",
        {
            "recovery_left": recovery_left,
            "groups": list(user.groups.values_list("name", flat=True)),
            "idle_minutes": settings.STAFF_IDLE_TIMEOUT_SECONDS // 60,
        },
    )


@require_POST
@csrf_protect
def logout_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated:
        audit_record(
            action=AuthAction.LOGOUT,
            request=request,
            object_type="auth.user",
            object_id=user.pk,
            object_repr=user.get_username(),
        )
    logout(request)
    messages.info(request, "You are logged out.")
    return HttpResponseRedirect(reverse("staff:login"))
