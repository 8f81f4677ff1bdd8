"""Reads for the staff eSIM and order pages: search, the merged timeline, order lists."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from coreesim.logging import redact_value
from coreesim.staff.models import AuditLog
from orders.models import Esim, Order
from orders.portal.models import TravelerEmail
from partners.webhooks.models import WebhookDelivery
from profiles.models import Profile, ProfileEvent
from smdp_client.choices import NotificationPoint
from smdp_client.models import Es2Call, Es2Notification

DIGITS = re.compile(r"^\d+$")
EID_LENGTH = 32
MIN_ICCID_PREFIX = 18
ORDER_ID_DIGITS = 18
TIMELINE_LIMIT = 200


def esim_search(*, q: str, partner_ids: list[int] | None) -> QuerySet[Esim]:
    """eSIMs matching an ICCID (or its first 18+ digits), an EID, an order number, a partner
    reference or a traveler email; ``partner_ids`` None means every partner.

    The kind of input picks one indexed lookup (no OR across tables, which would make
    PostgreSQL scan every eSIM): 32 digits is an EID, 18-22 digits an ICCID prefix, fewer
    digits an order number, ``@`` an email, anything else a partner reference.
    """
    q = q.strip()
    qs = Esim.objects.select_related("order", "order__partner", "order__plan", "profile")
    if partner_ids is not None:
        qs = qs.filter(order__partner_id__in=partner_ids)
    if not q:
        return qs.none()
    if "@" in q:
        return qs.filter(order__traveler_email__iexact=q).order_by("-id")
    if DIGITS.match(q) and len(q) == EID_LENGTH:
        order_ids = Order.objects.filter(eid=q).values("pk")
        return (qs.filter(eid=q) | qs.filter(order_id__in=order_ids)).order_by("-id")
    if DIGITS.match(q) and len(q) >= MIN_ICCID_PREFIX:
        return qs.filter(iccid__startswith=q).order_by("-id")
    if DIGITS.match(q) and len(q) <= ORDER_ID_DIGITS:
        by_reference = Order.objects.filter(reference=q).values("pk")
        return qs.filter(
            order_id__in=[int(q), *by_reference.values_list("pk", flat=True)]
        ).order_by("-id")
    return qs.filter(order__reference=q).order_by("-id")


def profile_search(*, q: str) -> QuerySet[Profile]:
    """Profiles (sold or in stock) whose ICCID starts with ``q``."""
    q = q.strip()
    if not (DIGITS.match(q) and MIN_ICCID_PREFIX <= len(q) < EID_LENGTH):
        return Profile.objects.none()
    return Profile.objects.filter(iccid__startswith=q).select_related("pool").order_by("iccid")


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # event, es2, notification, webhook, email, audit
    title: str
    detail: str = ""
    body: dict[str, Any] | None = field(default=None)


def _redacted(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    return {k: redact_value(k, v) for k, v in value.items()}


def _point(point_id: int) -> str:
    try:
        return str(NotificationPoint(point_id).label)
    except ValueError:
        return f"point {point_id}"


def esim_timeline(*, esim: Esim | None, iccid: str, profile: Profile | None) -> list[TimelineEntry]:
    """One history merging profile events, ES2+ calls (redacted bodies), SM-DP+ notifications,
    partner webhooks, traveler emails and staff actions; newest first."""
    entries: list[TimelineEntry] = []
    if profile is not None:
        for ev in ProfileEvent.objects.filter(profile=profile).order_by("-created_at")[
            :TIMELINE_LIMIT
        ]:
            entries.append(
                TimelineEntry(
                    ev.created_at,
                    "event",
                    f"{ev.from_state or '—'} → {ev.to_state}",
                    f"{ev.get_source_display()} {ev.actor} {ev.reason}".strip(),
                )
            )
    for call in Es2Call.objects.filter(iccid=iccid).order_by("-started_at")[:TIMELINE_LIMIT]:
        outcome = call.get_outcome_display()
        entries.append(
            TimelineEntry(
                call.started_at,
                "es2",
                f"ES2+ {call.get_function_display()}: {outcome}",
                " ".join(x for x in (call.code, call.message, call.error) if x),
                {
                    "request": _redacted(call.request_body),
                    "response": _redacted(call.response_body),
                },
            )
        )
    for n in Es2Notification.objects.filter(iccid=iccid).order_by("-received_at")[:TIMELINE_LIMIT]:
        entries.append(
            TimelineEntry(
                n.received_at,
                "notification",
                f"SM-DP+ notification {_point(n.notification_point_id)}: {n.point_status}",
                f"{n.get_state_display()} {n.detail}".strip(),
            )
        )
    if esim is not None:
        deliveries = WebhookDelivery.objects.filter(
            partner_id=esim.order.partner_id, payload__data__iccid=iccid
        ).order_by("-created_at")[:TIMELINE_LIMIT]
        for d in deliveries:
            entries.append(
                TimelineEntry(
                    d.created_at,
                    "webhook",
                    f"Webhook {d.event_type}: {d.get_status_display()}",
                    f"{d.attempt_count} attempt(s) {d.last_status_code or ''} "
                    f"{d.last_error}".strip(),
                )
            )
        for mail in TravelerEmail.objects.filter(esim=esim).order_by("-created_at")[
            :TIMELINE_LIMIT
        ]:
            entries.append(
                TimelineEntry(
                    mail.created_at,
                    "email",
                    f"Email {mail.get_kind_display()}: {mail.get_status_display()}",
                    f"to {mail.recipient}",
                )
            )
        audit = AuditLog.objects.filter(object_type="orders.esim", object_id=str(esim.pk))
        for a in audit.order_by("-at")[:TIMELINE_LIMIT]:
            entries.append(
                TimelineEntry(a.at, "audit", f"Staff {a.action} by {a.actor_username}", a.reason)
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def order_list(*, filters: dict[str, Any], partner_ids: list[int] | None) -> QuerySet[Order]:
    qs = Order.objects.select_related("partner", "plan")
    if partner_ids is not None:
        qs = qs.filter(partner_id__in=partner_ids)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("partner"):
        qs = qs.filter(partner=filters["partner"])
    if filters.get("plan"):
        qs = qs.filter(plan=filters["plan"])
    if filters.get("since"):
        qs = qs.filter(created_at__gte=_day_start(filters["since"]))
    if filters.get("until"):
        qs = qs.filter(created_at__lt=_day_start(filters["until"] + timedelta(days=1)))
    return qs.order_by("-created_at", "-id")
