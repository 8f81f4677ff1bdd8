"""Reads about SM-DP+ servers, calls and notifications, shared by services, admin and pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from django.db.models import QuerySet

from smdp_client import guard
from smdp_client.choices import CallOutcome, Es2Function
from smdp_client.models import Es2Call, Es2Notification, SmdpServer

# A call whose request may have reached the SM-DP+ (anything but "never left").
MAY_HAVE_ACTED = (CallOutcome.SUCCEEDED, CallOutcome.UNKNOWN, CallOutcome.PENDING)


def calls_for_iccid(*, server: SmdpServer, iccid: str) -> QuerySet[Es2Call]:
    return Es2Call.objects.filter(server=server, iccid=iccid)


def latest_attempt(
    *, server: SmdpServer, iccid: str, function: Es2Function, before: Es2Call | None = None
) -> Es2Call | None:
    """Our latest call of ``function`` for this ICCID that may have acted, before ``before``."""
    calls = calls_for_iccid(server=server, iccid=iccid).filter(
        function=function, outcome__in=MAY_HAVE_ACTED
    )
    if before is not None:
        calls = calls.filter(pk__lt=before.pk)
    return calls.order_by("-pk").first()


def attempted_since(
    *, server: SmdpServer, iccid: str, function: Es2Function, after: Es2Call
) -> Es2Call | None:
    """Our latest call of ``function`` for this ICCID that may have acted, after ``after``."""
    return (
        calls_for_iccid(server=server, iccid=iccid)
        .filter(function=function, outcome__in=MAY_HAVE_ACTED, pk__gt=after.pk)
        .order_by("-pk")
        .first()
    )


def standing_reservation(
    *, server: SmdpServer, iccid: str, before: Es2Call | None = None
) -> Es2Call | None:
    """Our latest downloadOrder for this ICCID (before ``before``) that may have reserved it and
    that no cancelOrder of ours may have undone since: the SM-DP+ may hold the profile for us."""
    earlier = latest_attempt(
        server=server, iccid=iccid, function=Es2Function.DOWNLOAD_ORDER, before=before
    )
    if earlier is None or attempted_since(
        server=server, iccid=iccid, function=Es2Function.CANCEL_ORDER, after=earlier
    ):
        return None
    return earlier


@dataclass(frozen=True)
class ConversationEntry:
    at: datetime
    kind: str
    summary: str
    obj: Es2Call | Es2Notification


def iccid_conversation(*, iccid: str) -> list[ConversationEntry]:
    """Every ES2+ call and notification about one ICCID, oldest first, for staff."""
    calls = (
        ConversationEntry(
            call.started_at,
            "call",
            f"{call.function} → {call.get_outcome_display()} {call.code}".strip(),
            call,
        )
        for call in Es2Call.objects.filter(iccid=iccid).select_related("server")
    )
    notifications = (
        ConversationEntry(
            note.received_at,
            "notification",
            f"point {note.notification_point_id} {note.point_status} → {note.get_state_display()}",
            note,
        )
        for note in Es2Notification.objects.filter(iccid=iccid).select_related("server")
    )
    return sorted(chain(calls, notifications), key=lambda entry: entry.at)


def circuit_status(*, server: SmdpServer) -> guard.CircuitStatus:
    return guard.status(server)


def notifications_needing_attention() -> QuerySet[Es2Notification]:
    return Es2Notification.objects.filter(needs_attention=True).select_related("server")
