"""Partner pages. Each write calls one partners service and records one audit entry in the same
transaction, so an action never happens unaudited (nor is audited without happening)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from guardian.shortcuts import get_objects_for_group

from coreesim.staff.access import can, require, staff_user
from coreesim.staff.choices import Capability
from coreesim.staff.confirm import confirm_page
from coreesim.staff.forms import ReasonForm
from coreesim.staff.paging import paginate
from coreesim.staff.selectors import audit_for_object
from coreesim.staff.services import audit_record
from partners.choices import LedgerKind, PartnerStatus
from partners.models import ApiKey, LedgerEntry, Partner, PriceOverride
from partners.selectors import partner_has_ledger
from partners.services import (
    PARTNER_FINANCE_FIELDS,
    PARTNER_PROFILE_FIELDS,
    SELL_PLAN,
    PartnerEditRefused,
    api_key_create,
    api_key_revoke,
    ledger_credit,
    partner_balance,
    partner_create,
    partner_set_status,
    partner_update,
    plan_access_grant,
    plan_access_revoke,
    price_override_set,
)
from partners.staff.access import (
    account_manager_assign,
    account_manager_unassign,
    account_managers_of,
    partner_for,
    visible_partners,
)
from partners.staff.forms import (
    AccountManagerForm,
    ApiKeyForm,
    PartnerCreateForm,
    PartnerCreditForm,
    PartnerProfileForm,
    PlanAccessForm,
    PriceOverrideForm,
    TopUpForm,
    WebhookEndpointForm,
)
from partners.webhooks.models import WebhookDelivery, WebhookEndpoint
from partners.webhooks.services import (
    WebhookDeliveryBusy,
    WebhookUrlRefused,
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_test,
    webhook_endpoint_update,
)
from profiles.models import Plan

C = Capability


def granted_plans(partner: Partner) -> list[Plan]:
    """Active plans granted to the partner (``sell_plan``), in one query; ``partner_can_sell``
    per plan would be one query each. A suspended partner keeps its grants."""
    group = partner.group
    if group is None:
        return []
    return list(get_objects_for_group(group, SELL_PLAN, klass=Plan.objects.filter(is_active=True)))


def _detail(partner: Partner) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("staff_partners:detail", args=[partner.pk]))


@require(C.VIEW_PARTNERS)
def partner_list(request: HttpRequest) -> HttpResponse:
    qs = visible_partners(request.user).order_by("name")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(slug__icontains=q)
    status = request.GET.get("status", "")
    if status in PartnerStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "staff/partners/list.html",
        {"page": paginate(request, qs), "q": q, "status": status, "statuses": PartnerStatus},
    )


@require(C.MANAGE_PARTNERS)
def partner_new(request: HttpRequest) -> HttpResponse:
    form = PartnerCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                partner = partner_create(**form.cleaned_data)
                audit_record(
                    action="partner.create",
                    request=request,
                    target=partner,
                    after={k: form.cleaned_data[k] for k in ("name", "slug", "currency")},
                )
        except (ValidationError, IntegrityError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Partner {partner.name} created.")
            return _detail(partner)
    return render(request, "staff/partners/new.html", {"form": form})


@require(C.VIEW_PARTNERS)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    plans = list(Plan.objects.filter(is_active=True).order_by("code"))
    sellable = {p.pk for p in granted_plans(partner)}
    overrides = {o.plan_id: o.price for o in PriceOverride.objects.filter(partner=partner)}
    return render(
        request,
        "staff/partners/detail.html",
        {
            "partner": partner,
            "balance": partner_balance(partner=partner),
            "ledger": LedgerEntry.objects.filter(partner=partner).order_by("-created_at")[:20],
            "keys": ApiKey.objects.filter(partner=partner).order_by("-created_at"),
            "plans": [(p, p.pk in sellable, overrides.get(p.pk)) for p in plans],
            "endpoints": partner.webhook_endpoints.all(),
            "deliveries": WebhookDelivery.objects.filter(partner=partner)
            .select_related("endpoint")
            .order_by("-created_at")[:20],
            "managers": account_managers_of(partner),
            "audit": audit_for_object(object_type="partners.partner", object_id=partner.pk)[:20],
            "can_manage": can(request.user, C.MANAGE_PARTNERS),
            "can_finance": can(request.user, C.MANAGE_FINANCE),
            "manager_form": AccountManagerForm(),
        },
    )


@require(C.MANAGE_PARTNERS)
def partner_status(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    target = (
        PartnerStatus.ACTIVE
        if partner.status == PartnerStatus.SUSPENDED
        else PartnerStatus.SUSPENDED
    )
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            before = partner.status
            partner_set_status(partner=partner, status=target)
            audit_record(
                action="partner.suspend"
                if target == PartnerStatus.SUSPENDED
                else "partner.activate",
                request=request,
                target=partner,
                before={"status": before},
                after={"status": target.value},
                reason=form.cleaned_data["reason"],
                reason_required=True,
            )
        messages.success(request, f"{partner.name} is now {target.label.lower()}.")
        return _detail(partner)
    verb = "Suspend" if target == PartnerStatus.SUSPENDED else "Reactivate"
    return confirm_page(
        request,
        title=f"{verb} {partner.name}",
        question=f"{verb} partner {partner.name}?",
        consequence="A suspended partner's API calls and orders are refused."
        if target == PartnerStatus.SUSPENDED
        else "",
        form=form,
        button=verb,
        cancel_url=reverse("staff_partners:detail", args=[partner.pk]),
    )


def _edit(
    request: HttpRequest,
    partner: Partner,
    form: ReasonForm,
    *,
    action: str,
    title: str,
) -> HttpResponse:
    """Apply a partner edit form through ``partner_update`` and audit the changed fields."""
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        try:
            with transaction.atomic():
                diff = partner_update(partner=partner, **data)
                if diff:
                    audit_record(
                        action=action,
                        request=request,
                        target=partner,
                        before={k: str(before) for k, (before, _after) in diff.items()},
                        after={k: str(after) for k, (_before, after) in diff.items()},
                        reason=form.cleaned_data["reason"],
                        reason_required=True,
                    )
        except (PartnerEditRefused, ValidationError) as exc:
            form.add_error(None, "; ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request,
                f"{partner.name}: {', '.join(sorted(diff))} changed." if diff else "No change.",
            )
            return _detail(partner)
    return render(
        request, "staff/partners/edit.html", {"partner": partner, "form": form, "title": title}
    )


@require(C.MANAGE_PARTNERS)
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    initial = {name: getattr(partner, name) for name in PARTNER_PROFILE_FIELDS}
    form = PartnerProfileForm(request.POST or None, initial=initial)
    return _edit(request, partner, form, action="partner.edit", title=f"Edit {partner.name}")


@require(C.MANAGE_FINANCE)
def partner_credit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    initial = {name: getattr(partner, name) for name in PARTNER_FINANCE_FIELDS}
    form = PartnerCreditForm(
        request.POST or None,
        initial=initial,
        currency_locked=partner_has_ledger(partner=partner),
    )
    return _edit(
        request, partner, form, action="partner.credit", title=f"Credit terms of {partner.name}"
    )


@require(C.MANAGE_PARTNERS)
def api_key_new(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            key, plaintext = api_key_create(
                partner=partner, scopes=form.cleaned_data["scopes"], name=form.cleaned_data["name"]
            )
            audit_record(
                action="partner.api_key_create",
                request=request,
                target=partner,
                after={"prefix": key.prefix, "scopes": key.scopes, "name": key.name},
            )
        return render(
            request,
            "staff/partners/shown_once.html",
            {"partner": partner, "what": f"API key {key.prefix}", "secret": plaintext},
        )
    return render(
        request,
        "staff/partners/form.html",
        {"partner": partner, "form": form, "title": "New API key"},
    )


@require(C.MANAGE_PARTNERS)
def api_key_revoke_view(request: HttpRequest, pk: int, key_id: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    key = get_object_or_404(ApiKey, partner=partner, pk=key_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            api_key_revoke(key=key)
            audit_record(
                action="partner.api_key_revoke",
                request=request,
                target=partner,
                before={"prefix": key.prefix, "revoked": False},
                after={"prefix": key.prefix, "revoked": True},
                reason=form.cleaned_data["reason"],
                reason_required=True,
            )
        messages.success(request, f"Key {key.prefix} revoked.")
        return _detail(partner)
    return confirm_page(
        request,
        title=f"Revoke key {key.prefix}",
        question=f"Revoke API key {key.prefix} of {partner.name}?",
        consequence="Calls with this key are refused from now on; this cannot be undone.",
        form=form,
        button="Revoke",
        cancel_url=reverse("staff_partners:detail", args=[partner.pk]),
    )


@require(C.MANAGE_FINANCE)
def top_up(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    form = TopUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            before = partner_balance(partner=partner)
            entry = ledger_credit(
                partner=partner,
                amount=data["amount"],
                kind=LedgerKind.TOPUP,
                reference=data["reference"],
                memo=data["reason"],
                actor=staff_user(request).get_username(),
            )
            assert entry is not None, "TopUpForm takes at least 0.01, so an entry is posted"
            audit_record(
                action="partner.top_up",
                request=request,
                target=partner,
                before={"balance": before},
                after={"balance": partner_balance(partner=partner), "ledger_entry": entry.pk},
                reason=data["reason"],
                reason_required=True,
            )
        messages.success(request, f"Added {data['amount']} {partner.currency}.")
        return _detail(partner)
    return render(
        request,
        "staff/partners/form.html",
        {"partner": partner, "form": form, "title": "Top up balance"},
    )


@require(C.MANAGE_FINANCE)
def plan_access(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    current = [p for p in granted_plans(partner)]
    form = PlanAccessForm(request.POST or None, initial={"plans": current})
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["plans"])
        with transaction.atomic():
            plan_access_grant(partner=partner, plans=wanted - set(current))
            plan_access_revoke(partner=partner, plans=set(current) - wanted)
            audit_record(
                action="partner.plan_access",
                request=request,
                target=partner,
                before={"plans": sorted(p.code for p in current)},
                after={"plans": sorted(p.code for p in wanted)},
                reason=form.cleaned_data["reason"],
                reason_required=True,
            )
        messages.success(request, "Plan access saved.")
        return _detail(partner)
    return render(
        request,
        "staff/partners/form.html",
        {"partner": partner, "form": form, "title": "Plan access"},
    )


@require(C.MANAGE_FINANCE)
def price_override(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    form = PriceOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan, price = form.cleaned_data["plan"], form.cleaned_data["price"]
        with transaction.atomic():
            old = PriceOverride.objects.filter(partner=partner, plan=plan).first()
            price_override_set(partner=partner, plan=plan, price=price)
            audit_record(
                action="partner.price_override",
                request=request,
                target=partner,
                before={"plan": plan.code, "price": old.price if old else None},
                after={"plan": plan.code, "price": price},
                reason=form.cleaned_data["reason"],
                reason_required=True,
            )
        messages.success(
            request, f"{plan.code} now costs {partner.name} {price} {partner.currency}."
        )
        return _detail(partner)
    return render(
        request,
        "staff/partners/form.html",
        {"partner": partner, "form": form, "title": "Price override"},
    )


@require(C.MANAGE_PARTNERS)
def webhook_new(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                endpoint, secret = webhook_endpoint_create(
                    partner=partner,
                    url=data["url"],
                    event_types=data["event_types"],
                    description=data["description"],
                )
                audit_record(
                    action="partner.webhook_create",
                    request=request,
                    target=partner,
                    after={"endpoint": endpoint.pk, "url": endpoint.url},
                )
        except WebhookUrlRefused as exc:
            form.add_error("url", str(exc))
        else:
            return render(
                request,
                "staff/partners/shown_once.html",
                {"partner": partner, "what": f"signing secret of {endpoint.url}", "secret": secret},
            )
    return render(
        request,
        "staff/partners/form.html",
        {"partner": partner, "form": form, "title": "New webhook endpoint"},
    )


@require(C.MANAGE_PARTNERS)
def webhook_redeliver(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    """Send a delivery again: confirmed, with a reason (the partner receives the event twice)."""
    partner = partner_for(request.user, pk)
    delivery = get_object_or_404(WebhookDelivery, partner=partner, pk=delivery_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                webhook_delivery_redeliver(delivery=delivery)
                audit_record(
                    action="partner.webhook_redeliver",
                    request=request,
                    target=partner,
                    after={"delivery": delivery.message_id, "event": delivery.event_type},
                    reason=form.cleaned_data["reason"],
                    reason_required=True,
                )
        except WebhookDeliveryBusy as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Delivery {delivery.message_id} queued again.")
        return _detail(partner)
    return confirm_page(
        request,
        title=f"Redeliver {delivery.event_type}",
        question=f"Send the {delivery.event_type} event {delivery.message_id} to "
        f"{partner.name} again?",
        consequence="The partner receives it once more, with the same webhook-id.",
        form=form,
        button="Redeliver",
        cancel_url=reverse("staff_partners:detail", args=[partner.pk]),
    )


@require_POST
@require(C.MANAGE_PARTNERS)
def account_manager(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for(request.user, pk)
    form = AccountManagerForm(request.POST)
    if form.is_valid():
        user: User = form.cleaned_data["user"]
        remove = request.POST.get("remove") == "1"
        with transaction.atomic():
            if remove:
                account_manager_unassign(partner=partner, user=user)
            else:
                account_manager_assign(partner=partner, user=user)
            audit_record(
                action="partner.account_manager_" + ("unassign" if remove else "assign"),
                request=request,
                target=partner,
                after={"user": user.get_username()},
            )
        messages.success(request, "Account managers saved.")
    return _detail(partner)


ENDPOINT_ACTIONS = {
    "enable": "Re-enable",
    "disable": "Disable",
    "rotate": "Rotate the signing secret of",
    "test": "Send a test message to",
    "delete": "Delete",
}


@require(C.MANAGE_PARTNERS)
def webhook_endpoint_action(
    request: HttpRequest, pk: int, endpoint_id: int, action: str
) -> HttpResponse:
    """Enable, disable, rotate the secret, send a test or delete: confirmed, with a reason."""
    partner = partner_for(request.user, pk)
    endpoint = get_object_or_404(WebhookEndpoint, partner=partner, pk=endpoint_id)
    verb = ENDPOINT_ACTIONS.get(action)
    if verb is None:
        raise Http404("No such action.")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        before = {"url": endpoint.url, "status": endpoint.status}
        secret = ""
        with transaction.atomic():
            if action in ("enable", "disable"):
                webhook_endpoint_update(endpoint=endpoint, enabled=action == "enable")
            elif action == "rotate":
                endpoint, secret = webhook_endpoint_rotate_secret(endpoint=endpoint)
            elif action == "test":
                webhook_endpoint_test(endpoint=endpoint)
            else:
                webhook_endpoint_delete(endpoint=endpoint)
            audit_record(
                action=f"partner.webhook_{action}",
                request=request,
                target=partner,
                before=before,
                after={
                    "url": before["url"],
                    "status": endpoint.status if action != "delete" else "deleted",
                },
                reason=form.cleaned_data["reason"],
                reason_required=True,
            )
        if secret:
            return render(
                request,
                "staff/partners/shown_once.html",
                {"partner": partner, "what": f"signing secret of {endpoint.url}", "secret": secret},
            )
        messages.success(request, f"{verb} {before['url']}: done.")
        return _detail(partner)
    return confirm_page(
        request,
        title=f"{verb} {endpoint.url}",
        question=f"{verb} the webhook endpoint {endpoint.url}?",
        consequence="The old secret keeps signing for 24 hours." if action == "rotate" else "",
        form=form,
        button=verb.split(" ")[0],
        button_class="danger" if action in ("delete", "disable") else "",
        cancel_url=reverse("staff_partners:detail", args=[partner.pk]),
    )
