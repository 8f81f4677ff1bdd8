"""eSIM search and detail (timeline, actions), orders list and detail, provisioning retry."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from coreesim.staff.access import can, require, staff_user
from coreesim.staff.choices import Capability
from coreesim.staff.confirm import confirm_page
from coreesim.staff.forms import ReasonForm
from coreesim.staff.paging import paginate
from coreesim.staff.services import audit_record
from orders.choices import EsimStatus, OrderStatus
from orders.errors import InsufficientBalance, OrderError
from orders.models import Esim, Order
from orders.services import ResyncResult, order_retry
from orders.staff.actions import ACTIONS
from orders.staff.forms import OrderFilterForm
from orders.staff.selectors import (
    esim_search,
    esim_timeline,
    order_list,
    profile_search,
    profile_timeline,
)
from partners.staff.access import visible_partner_ids
from profiles.models import Profile

C = Capability


def _esim_for(request: HttpRequest, pk: int) -> Esim:
    ids = visible_partner_ids(request.user)
    qs = Esim.objects.select_related(
        "order", "order__partner", "order__plan", "profile", "profile__pool__smdp_server"
    )
    if ids is not None:
        qs = qs.filter(order__partner_id__in=ids)
    esim = qs.filter(pk=pk).first()
    if esim is None:
        raise Http404("No such eSIM.")
    return esim


@require(C.VIEW_ESIMS)
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    esims = list(esim_search(q=q, partner_ids=visible_partner_ids(request.user))[:50])
    # Profiles in stock have no partner; only roles that see every partner may look them up.
    profiles = list(profile_search(q=q)[:50]) if q and can(request.user, C.ALL_PARTNERS) else []
    sold = {e.iccid for e in esims}
    if len(esims) == 1 and not [p for p in profiles if p.iccid not in sold]:
        return HttpResponseRedirect(reverse("staff_orders:esim", args=[esims[0].pk]))
    return render(
        request,
        "staff/orders/search.html",
        {"q": q, "esims": esims, "profiles": [p for p in profiles if p.iccid not in sold]},
    )


@require(C.VIEW_ESIMS)
def esim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    esim = _esim_for(request, pk)
    actions = [a for a in ACTIONS.values() if can(request.user, a.capability)]
    return render(
        request,
        "staff/orders/esim.html",
        {
            "esim": esim,
            "timeline": esim_timeline(esim=esim),
            "actions": actions,
        },
    )


@require(C.VIEW_ESIMS, C.ALL_PARTNERS)
def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(Profile.objects.select_related("pool__smdp_server"), pk=pk)
    return render(
        request,
        "staff/orders/profile.html",
        {
            "profile": profile,
            "timeline": profile_timeline(profile=profile),
        },
    )


@require(C.VIEW_ESIMS)
def esim_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Confirmation page with a required reason, then the service and its audit entry."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action.")
    if not can(request.user, spec.capability):
        raise PermissionDenied("your role does not allow this action")
    esim = _esim_for(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        before = {
            "status": esim.status,
            "profile_state": esim.profile.state if esim.profile else None,
        }
        actor = f"staff:{staff_user(request).get_username()}"
        try:
            if spec.calls_smdp:
                done = spec.run(esim=esim, actor=actor, reason=reason)
                _audit(request, spec.name, done, before, reason)
            else:
                with transaction.atomic():
                    done = spec.run(esim=esim, actor=actor, reason=reason)
                    _audit(request, spec.name, done, before, reason)
        except OrderError as exc:
            form.add_error(None, str(exc))
        else:
            summary = done.summary if isinstance(done, ResyncResult) else f"{spec.label}: done."
            messages.success(request, summary)
            return HttpResponseRedirect(reverse("staff_orders:esim", args=[esim.pk]))
    return confirm_page(
        request,
        title=f"{spec.label} eSIM {esim.iccid}",
        question=spec.question,
        consequence=spec.consequence,
        form=form,
        button=spec.label,
        cancel_url=reverse("staff_orders:esim", args=[esim.pk]),
    )


def _audit(
    request: HttpRequest,
    action: str,
    done: Esim | ResyncResult,
    before: Mapping[str, object],
    reason: str,
) -> None:
    after: dict[str, object] = {}
    if isinstance(done, ResyncResult):
        after = {"changes": done.changes, "still_open": done.still_open}
        done = done.esim
    esim = Esim.objects.select_related("profile").get(pk=done.pk)
    audit_record(
        action=f"esim.{action}",
        request=request,
        target=esim,
        object_repr=f"eSIM {esim.iccid}",
        before=before,
        after={
            "status": esim.status,
            "profile_state": esim.profile.state if esim.profile else None,
            **after,
        },
        reason=reason,
        reason_required=True,
    )


@require(C.VIEW_ORDERS)
def orders(request: HttpRequest) -> HttpResponse:
    ids = visible_partner_ids(request.user)
    form = OrderFilterForm(request.GET or None, partner_ids=ids)
    filters = form.cleaned_data if form.is_valid() else {}
    return render(
        request,
        "staff/orders/list.html",
        {"form": form, "page": paginate(request, order_list(filters=filters, partner_ids=ids))},
    )


@require(C.VIEW_ORDERS)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ids = visible_partner_ids(request.user)
    qs = Order.objects.select_related("partner", "plan")
    if ids is not None:
        qs = qs.filter(partner_id__in=ids)
    order = get_object_or_404(qs, pk=pk)
    return render(
        request,
        "staff/orders/order.html",
        {
            "order": order,
            "esims": order.esims.select_related("profile").order_by("id"),
            "jobs": order.jobs.order_by("-id")[:10],
            "can_retry": _retryable(order) and can(request.user, C.RETRY_ORDERS),
        },
    )


def _retryable(order: Order) -> bool:
    return (
        order.status == OrderStatus.PROVISIONING
        or order.esims.filter(status=EsimStatus.FAILED).exists()
    )


@require(C.RETRY_ORDERS)
def order_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirmation with a required reason, then ``order_retry`` and its audit entry.

    Failed eSIMs are charged again and provisioned again; an order still provisioning (stuck)
    is only rung again, resuming each eSIM at the ES2+ step it reached.
    """
    ids = visible_partner_ids(request.user)
    qs = Order.objects.all() if ids is None else Order.objects.filter(partner_id__in=ids)
    order = get_object_or_404(qs, pk=pk)
    back = reverse("staff_orders:order", args=[order.pk])
    if not _retryable(order):
        messages.error(request, "No eSIM of this order failed or is still provisioning.")
        return HttpResponseRedirect(back)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        before = {"status": order.status, "refunded_amount": str(order.refunded_amount)}
        actor = f"staff:{staff_user(request).get_username()}"
        try:
            with transaction.atomic():
                retry = order_retry(order=order, actor=actor, reason=reason)
                order.refresh_from_db()
                audit_record(
                    action="order.retry",
                    request=request,
                    target=order,
                    before=before,
                    after={
                        "status": order.status,
                        "refunded_amount": str(order.refunded_amount),
                        "job": retry.job.pk,
                        "resumed": retry.resumed,
                        "fresh_profiles": retry.fresh,
                    },
                    reason=reason,
                    reason_required=True,
                )
        except (OrderError, InsufficientBalance) as exc:
            form.add_error(None, str(exc))
        else:
            retried = len(retry.resumed) + len(retry.fresh)
            messages.success(
                request,
                f"Provisioning queued again ({retried} failed eSIM(s) charged and retried)."
                if retried
                else "Provisioning queued again.",
            )
            return HttpResponseRedirect(back)
    failed = order.esims.filter(status=EsimStatus.FAILED).count()
    return confirm_page(
        request,
        title=f"Retry provisioning of order #{order.pk}",
        question="Retry the provisioning of this order?",
        consequence=(
            f"{failed} failed eSIM(s) are charged {order.unit_price} {order.currency} each "
            "again (they were refunded) and provisioned again: an eSIM quarantined only "
            "because no answer came resumes with its own profile, the others get a profile "
            "from stock."
            if failed
            else "The pipeline resumes each eSIM at the ES2+ step it reached."
        ),
        form=form,
        button="Retry provisioning",
        cancel_url=back,
    )
