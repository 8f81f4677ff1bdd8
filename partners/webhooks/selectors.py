"""Reads of webhook objects, always scoped to one partner (another's objects do not exist)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhook_endpoint_list(*, partner_id: int) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(partner_id=partner_id)


def webhook_endpoint_get(*, partner_id: int, endpoint_id: Any) -> WebhookEndpoint:
    endpoint = webhook_endpoint_list(partner_id=partner_id).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def webhook_delivery_list(
    *,
    partner_id: int,
    event_type: str | None = None,
    status: str | None = None,
    endpoint_id: int | None = None,
) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(partner_id=partner_id)
    if event_type:
        deliveries = deliveries.filter(event_type=event_type)
    if status:
        deliveries = deliveries.filter(status=status)
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    return deliveries


def webhook_delivery_get(*, partner_id: int, delivery_id: Any) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.filter(partner_id=partner_id, pk=delivery_id)
        .prefetch_related(Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("number")))
        .first()
    )
    if delivery is None:
        raise Http404("No such webhook delivery.")
    return delivery
