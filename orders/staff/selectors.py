"""Reads for the staff eSIM and order pages: search, the merged timeline, order lists."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from coreesim.logging import redact_value
from coreesim.staff.models import AuditLog
from orders.models import Esim, EsimReissue, Order
from orders.portal.models import TravelerEmail
from partners.webhooks.models import WebhookDelivery
from profiles.choices import ProfileState
from profiles.models import Profile, ProfileEvent
from smdp_client.choices import NotificationPoint
from smdp_client.models import Es2Call, Es2Notification

# ASCII digits only (``\d`` takes any Unicode digit, which no ICCID, EID or order number has).
DIGITS = re.compile(r"[0-9]+")
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
    if DIGITS.fullmatch(q) and len(q) == EID_LENGTH:
        order_ids = Order.objects.filter(eid=q).values("pk")
        return (qs.filter(eid=q) | qs.filter(order_id__in=order_ids)).order_by("-id")
    if DIGITS.fullmatch(q) and len(q) >= MIN_ICCID_PREFIX:
        return qs.filter(iccid__startswith=q).order_by("-id")
    if DIGITS.fullmatch(q) and len(q) <= ORDER_ID_DIGITS:
        by_reference = Order.objects.filter(reference=q).values("pk")
        return qs.filter(
            order_id__in=[int(q), *by_reference.values_list("pk", flat=True)]
        ).order_by("-id")
    return qs.filter(order__reference=q).order_by("-id")


def profile_search(*, q: str) -> QuerySet[Profile]:
    """Profiles (sold or in stock) whose ICCID starts with ``q``."""
    q = q.strip()
    if not (DIGITS.fullmatch(q) and MIN_ICCID_PREFIX <= len(q) < EID_LENGTH):
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


@dataclass(frozen=True)
class _Window:
    """From ``start`` (inclusive) until ``end`` (exclusive; None = still open)."""

    start: datetime | None = None
    end: datetime | None = None

    def q(self, field_name: str) -> Q:
        bounds = Q()
        if self.start is not None:
            bounds &= Q(**{f"{field_name}__gte": self.start})
        if self.end is not None:
            bounds &= Q(**{f"{field_name}__lt": self.end})
        return bounds


def _reserved_by(iccid: str, at: datetime) -> datetime:
    """When the reservation that handed the profile over at ``at`` happened: the profile is
    reserved a moment before the eSIM (or the reissue) that takes it is written."""
    reserved = (
        ProfileEvent.objects.filter(
            profile__iccid=iccid, to_state=ProfileState.RESERVED, created_at__lte=at
        )
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return reserved or at


def _esim_window(esim: Esim) -> _Window:
    """The time in which ``esim`` held the profile of its ICCID.

    A cancelled profile goes back to stock and may be sold again, to another partner, and
    every timeline source but the eSIM's own rows is keyed by ICCID: without these bounds an
    eSIM's page would show the earlier and later owners' devices, reasons and orders. The
    window opens with the reservation that gave the ICCID to this eSIM (its order, or the
    reissue that moved it onto this ICCID) and closes with the one that gave it to another.
    """
    moved_here = (
        EsimReissue.objects.filter(esim=esim, new_iccid=esim.iccid)
        .exclude(old_iccid=esim.iccid)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    since = moved_here or esim.created_at
    sold_again = (
        Esim.objects.filter(iccid=esim.iccid, created_at__gt=since)
        .exclude(pk=esim.pk)
        .aggregate(first=Min("created_at"))["first"]
    )
    reissued_to = (
        EsimReissue.objects.filter(new_iccid=esim.iccid, created_at__gt=since)
        .exclude(esim=esim)
        .aggregate(first=Min("created_at"))["first"]
    )
    handed_on = min((t for t in (sold_again, reissued_to) if t is not None), default=None)
    return _Window(
        start=_reserved_by(esim.iccid, since),
        end=_reserved_by(esim.iccid, handed_on) if handed_on is not None else None,
    )


def esim_timeline(*, esim: Esim) -> list[TimelineEntry]:
    """One eSIM's history: its profile's events, ES2+ calls, SM-DP+ notifications and partner
    webhooks while it held the ICCID, and its traveler emails and staff actions; newest first."""
    window = _esim_window(esim)
    entries = _iccid_entries(iccid=esim.iccid, window=window)
    deliveries = WebhookDelivery.objects.filter(
        window.q("created_at"), partner_id=esim.order.partner_id, payload__data__iccid=esim.iccid
    ).order_by("-created_at")[:TIMELINE_LIMIT]
    for d in deliveries:
        entries.append(
            TimelineEntry(
                d.created_at,
                "webhook",
                f"Webhook {d.event_type}: {d.get_status_display()}",
                f"{d.attempt_count} attempt(s) {d.last_status_code or ''} {d.last_error}".strip(),
            )
        )
    for mail in TravelerEmail.objects.filter(esim=esim).order_by("-created_at")[:TIMELINE_LIMIT]:
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


def profile_timeline(*, profile: Profile) -> list[TimelineEntry]:
    """A profile's whole history across every eSIM that held it (staff who see every partner
    only): events, ES2+ calls and SM-DP+ notifications; newest first."""
    entries = _iccid_entries(iccid=profile.iccid, window=_Window())
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _iccid_entries(*, iccid: str, window: _Window) -> list[TimelineEntry]:
    """Profile events, ES2+ calls (redacted bodies) and SM-DP+ notifications of ``iccid``."""
    entries: list[TimelineEntry] = []
    events = ProfileEvent.objects.filter(window.q("created_at"), profile__iccid=iccid)
    for ev in events.order_by("-created_at")[:TIMELINE_LIMIT]:
        entries.append(
            TimelineEntry(
                ev.created_at,
                "event",
                f"{ev.from_state or '—'} → {ev.to_state}",
                f"{ev.get_source_display()} {ev.actor} {ev.reason}".strip(),
            )
        )
    calls = Es2Call.objects.filter(window.q("started_at"), iccid=iccid)
    for call in calls.order_by("-started_at")[:TIMELINE_LIMIT]:
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
    notifications = Es2Notification.objects.filter(window.q("received_at"), iccid=iccid)
    for n in notifications.order_by("-received_at")[:TIMELINE_LIMIT]:
        entries.append(
            TimelineEntry(
                n.received_at,
                "notification",
                f"SM-DP+ notification {_point(n.notification_point_id)}: {n.point_status}",
                f"{n.get_state_display()} {n.detail}".strip(),
            )
        )
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
