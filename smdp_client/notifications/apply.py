"""Apply a stored notification to its profile, in a worker (ES2PLUS.md rules).

- Point 3 (BPP download) and 4 (BPP installation) with a successful status move the profile to
  ``downloaded`` / ``installed`` through ``profiles.services.profile_transition`` (one
  ProfileEvent each, source ES2+, announced to subscribers after commit).
- The state only moves forward (``profiles.lifecycle.is_forward``): an install that arrived
  before its download wins, the late download is kept as ``stale``.
- The EID is recorded the first time we learn it.
- Other points, and failed statuses, are kept as ``recorded`` without a state change.
- An ICCID we do not hold, or one held under another SM-DP+, is kept and flagged for staff.
- A forward move the lifecycle does not allow yet (typically ``reserved`` → ``downloaded``
  because the worker has not recorded the release yet) is retried a few times, then flagged.

Safe to run twice: a notification leaves ``received`` exactly once, under a row lock.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from coreesim.tasks import TransientError
from profiles.choices import EventSource, ProfileState
from profiles.lifecycle import PROGRESS_RANK, can_transition, is_forward
from profiles.models import Profile
from profiles.services import profile_transition
from smdp_client.choices import NotificationPoint, NotificationState
from smdp_client.models import Es2Notification

logger = logging.getLogger(__name__)

SUCCESS_STATUSES = frozenset({"Executed-Success", "Executed-WithWarning"})
TARGETS = {
    NotificationPoint.BPP_DOWNLOAD: ProfileState.DOWNLOADED,
    NotificationPoint.BPP_INSTALLATION: ProfileState.INSTALLED,
}


class NotificationNotReady(TransientError):
    """The profile cannot take this step yet (e.g. its release is not recorded); retry later."""


def _finish(
    note: Es2Notification, state: NotificationState, detail: str, *, attention: bool = False
) -> NotificationState:
    note.state = state
    note.detail = detail
    note.needs_attention = attention
    note.applied_at = timezone.now()
    note.save(update_fields=["state", "detail", "needs_attention", "applied_at"])
    log = logger.warning if attention else logger.info
    log(
        "es2_notification_applied",
        extra={
            "notification": note.pk,
            "iccid": note.iccid,
            "point": note.notification_point_id,
            "state": state.value,
            "detail": detail,
        },
    )
    return state


def notification_settle(*, note: Es2Notification, state: NotificationState, detail: str) -> None:
    """Record what a staff resync made of a stored notification; clears its attention flag."""
    _finish(note, state, detail)


@transaction.atomic
def notification_apply(*, notification_id: int, final_attempt: bool = False) -> NotificationState:
    """Apply one stored notification; returns what became of it."""
    note = (
        Es2Notification.objects.select_for_update().select_related("server").get(pk=notification_id)
    )
    if note.state != NotificationState.RECEIVED:
        return NotificationState(note.state)
    profile = (
        Profile.objects.select_for_update(of=("self",))
        .select_related("pool")
        .filter(iccid=note.iccid)
        .first()
    )
    if profile is None:
        return _finish(
            note, NotificationState.UNKNOWN_ICCID, "no profile with this ICCID", attention=True
        )
    if profile.pool.smdp_server_id != note.server_id:
        return _finish(
            note,
            NotificationState.UNKNOWN_ICCID,
            f"the profile belongs to pool {profile.pool.name} on another SM-DP+",
            attention=True,
        )
    fields = {}
    eid_note = ""
    if note.eid and not profile.eid:
        fields["eid"] = note.eid
    elif note.eid and profile.eid != note.eid:
        eid_note = f"; EID {note.eid} differs from the recorded {profile.eid}"
    target = TARGETS.get(note.notification_point_id)  # type: ignore[call-overload]
    if target is None or note.point_status not in SUCCESS_STATUSES:
        return _finish(
            note,
            NotificationState.RECORDED,
            f"point {note.notification_point_id} {note.point_status}: no state change{eid_note}",
            attention=bool(eid_note),
        )
    current = ProfileState(profile.state)
    if current not in PROGRESS_RANK:
        return _finish(
            note,
            NotificationState.NOT_APPLICABLE,
            f"the profile is {current.label.lower()}: not moved to {target.label.lower()}",
            attention=True,
        )
    if current == target or not is_forward(current, target):
        return _finish(
            note,
            NotificationState.STALE,
            f"the profile is already {current.label.lower()}{eid_note}",
            attention=bool(eid_note),
        )
    if not can_transition(current, target):
        if not final_attempt:
            raise NotificationNotReady(
                f"profile {profile.iccid} is {current.value}; cannot become {target.value} yet"
            )
        return _finish(
            note,
            NotificationState.NOT_APPLICABLE,
            f"the profile stayed {current.label.lower()}; it cannot become {target.label.lower()}",
            attention=True,
        )
    profile_transition(
        profile=profile,
        to_state=target,
        source=EventSource.ES2PLUS,
        actor=f"smdp:{note.server.name}",
        reason=f"handleDownloadProgressInfo point {note.notification_point_id} {note.point_status}",
        payload={
            "notification": note.pk,
            "function_call_identifier": note.function_call_identifier,
            "notification_point_id": note.notification_point_id,
            "status": note.point_status,
            "timestamp": note.timestamp.isoformat(),
            "eid": note.eid,
        },
        **fields,
    )
    return _finish(
        note,
        NotificationState.APPLIED,
        f"profile is now {target.label.lower()}{eid_note}",
        attention=bool(eid_note),
    )
