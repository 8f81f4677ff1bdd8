"""Staff accounts for administrators: roles, second-factor status, and a reset for a lost phone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from coreesim.staff.access import require
from coreesim.staff.choices import Capability
from coreesim.staff.confirm import confirm_page
from coreesim.staff.forms import ReasonForm
from coreesim.staff.services import second_factor_reset


@require(Capability.MANAGE_STAFF)
def user_list(request: HttpRequest) -> HttpResponse:
    users = (
        User.objects.filter(is_staff=True)
        .annotate(
            has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            recovery_left=Count("staticdevice__token_set", distinct=True),
        )
        .prefetch_related("groups")
        .order_by("username")
    )
    return render(request, "staff/users/list.html", {"users": users})


@require(Capability.MANAGE_STAFF)
def user_reset_2fa(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk, is_staff=True)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        second_factor_reset(user=user, request=request, reason=form.cleaned_data["reason"])
        messages.success(request, f"{user.username} enrols a new authenticator at next login.")
        return HttpResponseRedirect(reverse("staff:users"))
    return confirm_page(
        request,
        title=f"Reset the second factor of {user.username}",
        question=f"Remove {user.username}'s authenticator and recovery codes?",
        consequence="Their sessions end; at the next login they enrol a new "
        "authenticator with their password alone, so confirm who asks.",
        form=form,
        button="Reset",
        cancel_url=reverse("staff:users"),
    )
