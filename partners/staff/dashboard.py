"""Dashboard panel of partner webhooks: delivery failure rate over the last 24 hours."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from coreesim.staff.access import can
from coreesim.staff.choices import Capability
from coreesim.staff.dashboard import Panel
from partners.staff.access import visible_partner_ids
from partners.webhooks.choices import DeliveryStatus
from partners.webhooks.models import WebhookDelivery


def webhook_panel(request: HttpRequest) -> Panel | None:
    if not can(request.user, Capability.VIEW_PARTNERS):
        return None
    qs = WebhookDelivery.objects.filter(created_at__gte=timezone.now() - timedelta(hours=24))
    ids = visible_partner_ids(request.user)
    if ids is not None:
        qs = qs.filter(partner_id__in=ids)
    stats = qs.aggregate(
        total=Count("id"),
        failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
        pending=Count("id", filter=Q(status=DeliveryStatus.PENDING)),
    )
    rate = round(100 * stats["failed"] / stats["total"], 1) if stats["total"] else None
    return Panel("Webhooks (24 h)", "staff/dashboard/webhooks.html", {"stats": stats, "rate": rate})
