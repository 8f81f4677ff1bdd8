"""Turns domain events of orders and profiles into the partner's webhook messages.

It lives in the orders app because only orders knows whose eSIM a profile is (orders may import
partners and profiles; partners may import neither orders nor, for this, profiles' owners).
The producers send their signals inside the event's transaction, so each delivery row commits
with the event that caused it (Standard Webhooks: nothing happens that the partner is not told
of, nothing is told that did not happen); the delivery itself is the worker's job, rung after
commit.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from orders.choices import OrderStatus, UsageEventKind
from orders.models import Esim, Order
from orders.signals import esim_changed, order_settled, usage_threshold_reached
from partners.webhooks.choices import WebhookEventType as E
from partners.webhooks.services import webhook_event_emit
from profiles.choices import ProfileState
from profiles.signals import profile_event_recorded

DEVICE_EVENTS = {
    ProfileState.DOWNLOADED: E.ESIM_DOWNLOADED,
    ProfileState.INSTALLED: E.ESIM_INSTALLED,
    ProfileState.ENABLED: E.ESIM_ENABLED,
    ProfileState.DISABLED: E.ESIM_DISABLED,
    ProfileState.DELETED: E.ESIM_DELETED,
}
ACTION_EVENTS = {
    "suspended": E.ESIM_SUSPENDED,
    "resumed": E.ESIM_RESUMED,
    "reissued": E.ESIM_REISSUED,
    "expired": E.ESIM_EXPIRED,
}
DATA_PERCENT = {
    UsageEventKind.DATA_50: 50,
    UsageEventKind.DATA_80: 80,
    UsageEventKind.DATA_100: 100,
}
DAYS_LEFT = {UsageEventKind.EXPIRES_3D: 3, UsageEventKind.EXPIRES_1D: 1}


def esim_payload(esim: Esim) -> dict[str, Any]:
    order = esim.order
    return {
        "iccid": esim.iccid,
        "order_id": order.pk,
        "reference": order.reference,
        "plan": order.plan.code,
        "status": esim.status,
        "profile_state": esim.profile.state if esim.profile is not None else None,
        "data_mb": esim.data_mb,
        "data_used_mb": esim.data_used_mb,
        "expires_at": esim.expires_at,
    }


def order_payload(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.pk,
        "status": order.status,
        "reference": order.reference,
        "plan": order.plan.code,
        "quantity": order.quantity,
        "completed_at": order.completed_at,
        "esims": [{"iccid": e.iccid, "status": e.status} for e in order.esims.order_by("id")],
    }


def _fresh_esim(pk: int) -> Esim | None:
    return Esim.objects.select_related("order__plan", "profile").filter(pk=pk).first()


@receiver(order_settled, dispatch_uid="orders.api.webhook_order_settled")
def on_order_settled(sender: Any, *, order: Order, **kwargs: Any) -> None:
    order = Order.objects.select_related("plan").get(pk=order.pk)
    event = E.ORDER_FAILED if order.status == OrderStatus.FAILED else E.ORDER_COMPLETED
    webhook_event_emit(partner_id=order.partner_id, event_type=event, data=order_payload(order))


@receiver(esim_changed, dispatch_uid="orders.api.webhook_esim_changed")
def on_esim_changed(sender: Any, *, esim: Esim, action: str, **kwargs: Any) -> None:
    event = ACTION_EVENTS.get(action)
    fresh = _fresh_esim(esim.pk)
    if event is None or fresh is None:
        return
    webhook_event_emit(
        partner_id=fresh.order.partner_id, event_type=event, data=esim_payload(fresh)
    )


@receiver(usage_threshold_reached, dispatch_uid="orders.api.webhook_usage_threshold")
def on_usage_threshold(sender: Any, *, esim: Esim, kind: str, **kwargs: Any) -> None:
    fresh = _fresh_esim(esim.pk)
    if fresh is None:
        return
    data = esim_payload(fresh)
    if kind in DATA_PERCENT:
        data["threshold_percent"] = DATA_PERCENT[UsageEventKind(kind)]
        event = E.ESIM_USAGE_THRESHOLD
    elif kind in DAYS_LEFT:
        data["days_left"] = DAYS_LEFT[UsageEventKind(kind)]
        event = E.ESIM_EXPIRING
    else:
        return
    webhook_event_emit(partner_id=fresh.order.partner_id, event_type=event, data=data)


@receiver(profile_event_recorded, dispatch_uid="orders.api.webhook_profile_event")
def on_profile_event(sender: Any, *, event: Any, **kwargs: Any) -> None:
    webhook_event = DEVICE_EVENTS.get(event.to_state)
    if webhook_event is None:
        return
    esim = (
        Esim.objects.select_related("order__plan", "profile")
        .filter(profile_id=event.profile_id)
        .first()
    )
    if esim is None:
        return
    data = esim_payload(esim)
    data["occurred_at"] = event.created_at
    webhook_event_emit(partner_id=esim.order.partner_id, event_type=webhook_event, data=data)
