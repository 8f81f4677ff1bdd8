"""What the SM-DP+ holds for one ICCID, rebuilt from our call log and its notifications.

ES2+ has no status query: the only facts we have are the calls we made (with their outcomes)
and the handleDownloadProgressInfo notifications the SM-DP+ sent. ``iccid_reconcile`` reads
them in time order and

- settles calls whose outcome is still unknown (a timeout, or a worker that died in flight)
  where a later fact leaves one answer possible, and writes that answer on the call's
  ``resolution`` (the same column the lost-response recovery in ``services`` writes);
- returns the ``Standing`` those facts give the profile at the SM-DP+, or ``IN_DOUBT`` with the
  reasons when they do not settle it.

The rules only use facts that cannot be explained otherwise (we are the only operator that
orders our ICCIDs):

- downloadOrder unknown, then our confirmOrder or cancelOrder succeeded: it took effect (only a
  reserved profile can be confirmed or cancelled);
- downloadOrder unknown, then our own downloadOrder succeeded: it did not (a reserved profile
  answers "already in use");
- downloadOrder or confirmOrder unknown, then the SM-DP+ reported a download or installation:
  it took effect (a device can only download a reserved and released profile);
- confirmOrder unknown, then our own confirmOrder succeeded: it did not (a released profile
  refuses a second confirm);
- cancelOrder unknown, then our downloadOrder succeeded: it took effect (the profile was back in
  the SM-DP+'s stock).

Call it outside ``transaction.atomic`` or inside: it only updates ``Es2Call.resolution``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from smdp_client.calllog import es2call_resolve
from smdp_client.choices import (
    UNRESOLVED_OUTCOMES,
    CallOutcome,
    Es2Function,
    FailureAction,
    FinalProfileStatus,
    NotificationPoint,
)
from smdp_client.classification import classify
from smdp_client.models import Es2Call, Es2Notification, SmdpServer

SUCCESS_STATUSES = frozenset({"Executed-Success", "Executed-WithWarning"})
# Resolution prefixes. "treated as success" and "resynced" are written by ``services``.
TOOK_EFFECT = "took effect"
DID_NOT_TAKE_EFFECT = "did not take effect"
TREATED_AS_SUCCESS = "treated as success"
RESYNCED = "resynced"
# Refusals after which the SM-DP+'s view of the profile is not the one we thought.
DOUBT_ACTIONS = frozenset({FailureAction.FLAG_PROFILE, FailureAction.RESYNC})


class Standing(enum.StrEnum):
    """Where the profile is at the SM-DP+, as far as the stored facts tell."""

    AVAILABLE = "available"
    RESERVED = "reserved"
    RELEASED = "released"
    DOWNLOADED = "downloaded"
    INSTALLED = "installed"
    UNAVAILABLE = "unavailable"
    IN_DOUBT = "in_doubt"


# Device progress reported by notifications only moves forward.
_DEVICE_RANK = {Standing.DOWNLOADED: 1, Standing.INSTALLED: 2}
_NOTIFIED = {
    NotificationPoint.BPP_DOWNLOAD: Standing.DOWNLOADED,
    NotificationPoint.BPP_INSTALLATION: Standing.INSTALLED,
}


@dataclass
class Reconciliation:
    standing: Standing = Standing.AVAILABLE
    # The fact that set the standing, or why it is in doubt, in words for staff.
    because: str = "no call of ours ever reserved it"
    resolved: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def notification_target(note: Es2Notification) -> Standing | None:
    """The device progress a successful download/installation notification reports."""
    if note.point_status not in SUCCESS_STATUSES:
        return None
    return _NOTIFIED.get(note.notification_point_id)  # type: ignore[call-overload]


def call_took_effect(call: Es2Call) -> bool | None:
    """Whether the SM-DP+ acted on the call: True, False, or None when nobody knows."""
    if call.outcome == CallOutcome.SUCCEEDED:
        return True
    if call.outcome == CallOutcome.FAILED:
        return call.resolution.startswith(TREATED_AS_SUCCESS)
    if call.outcome == CallOutcome.NOT_SENT:
        return False
    if call.resolution.startswith((TOOK_EFFECT, RESYNCED)):
        return True
    if call.resolution.startswith(DID_NOT_TAKE_EFFECT):
        return False
    return None


def _at(fact: Es2Call | Es2Notification) -> datetime:
    return fact.started_at if isinstance(fact, Es2Call) else fact.timestamp


def _label(call: Es2Call) -> str:
    return f"{call.function} #{call.pk}"


def _settles(call: Es2Call, later: Iterable[Es2Call | Es2Notification]) -> tuple[bool, str] | None:
    """The first later fact that decides whether ``call`` took effect, as (took effect, why)."""
    for fact in later:
        if isinstance(fact, Es2Notification):
            target = notification_target(fact)
            if target is not None and call.function != Es2Function.CANCEL_ORDER:
                return True, (
                    f"the SM-DP+ reported the profile {target} at {fact.timestamp:%Y-%m-%d %H:%M}"
                )
            continue
        if call_took_effect(fact) is not True:
            continue
        function = Es2Function(fact.function)
        if call.function == Es2Function.DOWNLOAD_ORDER:
            if function in (Es2Function.CONFIRM_ORDER, Es2Function.CANCEL_ORDER):
                return True, f"our later {_label(fact)} succeeded, which needs a reservation"
            if function == Es2Function.DOWNLOAD_ORDER:
                return False, f"our later {_label(fact)} reserved it afresh"
        elif call.function == Es2Function.CONFIRM_ORDER:
            if function == Es2Function.CONFIRM_ORDER:
                return False, f"our later {_label(fact)} confirmed it afresh"
            if function in (Es2Function.CANCEL_ORDER, Es2Function.DOWNLOAD_ORDER):
                return None
        elif call.function == Es2Function.CANCEL_ORDER and function == Es2Function.DOWNLOAD_ORDER:
            return True, f"our later {_label(fact)} found the profile back in stock"
    return None


def _apply_call(result: Reconciliation, call: Es2Call) -> None:
    effect = call_took_effect(call)
    if effect is None:
        result.standing = Standing.IN_DOUBT
        result.because = f"the outcome of {_label(call)} is unknown"
        return
    if call.outcome == CallOutcome.PROTOCOL_ERROR:
        result.standing = Standing.IN_DOUBT
        result.because = f"{_label(call)} got an answer that broke the protocol"
        return
    if not effect:
        if call.outcome == CallOutcome.FAILED and call.subject_code:
            rule = classify(call.subject_code, call.reason_code)
            if rule.action in DOUBT_ACTIONS:
                result.standing = Standing.IN_DOUBT
                result.because = (
                    f"{_label(call)} was refused {call.code} ({rule.meaning or rule.action})"
                )
        return
    function = Es2Function(call.function)
    if function == Es2Function.DOWNLOAD_ORDER:
        result.standing = Standing.RESERVED
    elif function in (Es2Function.CONFIRM_ORDER, Es2Function.RELEASE_PROFILE):
        result.standing = Standing.RELEASED
    else:
        final = call.request_body.get("finalProfileStatusIndicator")
        result.standing = (
            Standing.AVAILABLE if final == FinalProfileStatus.AVAILABLE else Standing.UNAVAILABLE
        )
    result.because = f"{_label(call)} took effect"


def _apply_notification(result: Reconciliation, note: Es2Notification) -> None:
    target = notification_target(note)
    if target is None:
        return
    if _DEVICE_RANK.get(result.standing, 0) >= _DEVICE_RANK[target]:
        return
    result.standing = target
    result.because = (
        f"the SM-DP+ reported the profile {target} at {note.timestamp:%Y-%m-%d %H:%M} "
        f"(notification #{note.pk})"
    )


def iccid_reconcile(
    *, server: SmdpServer, iccid: str, notifications: list[Es2Notification]
) -> Reconciliation:
    """Settle what the stored facts settle and say where the profile stands at the SM-DP+.

    ``notifications`` are the stored notifications for the ICCID from ``server``; the caller
    passes them because it usually holds them locked for its own replay.
    """
    calls = list(Es2Call.objects.filter(server=server, iccid=iccid).order_by("started_at", "pk"))
    facts: list[Es2Call | Es2Notification] = sorted(
        [*calls, *notifications], key=lambda fact: (_at(fact), isinstance(fact, Es2Notification))
    )
    result = Reconciliation()
    for index, fact in enumerate(facts):
        if isinstance(fact, Es2Notification):
            _apply_notification(result, fact)
            continue
        if fact.outcome in UNRESOLVED_OUTCOMES and call_took_effect(fact) is None:
            settled = _settles(fact, facts[index + 1 :])
            if settled is None:
                result.unresolved.append(f"{_label(fact)}: outcome still unknown")
            else:
                took_effect, why = settled
                text = f"{TOOK_EFFECT if took_effect else DID_NOT_TAKE_EFFECT}: {why}"
                es2call_resolve(fact, resolution=text)
                result.resolved.append(f"{_label(fact)} {text}")
        _apply_call(result, fact)
    return result
