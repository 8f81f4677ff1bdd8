"""Resync one eSIM with what the SM-DP+ told us (staff action "Resync from SM-DP+").

ES2+ has no status query, so a resync does not call the SM-DP+: it rebuilds our view of the
profile from the facts we hold, in one transaction:

1. our ES2+ call log and the stored notifications for the ICCID are read in time order
   (``smdp_client.reconcile``); calls whose outcome is unknown are settled where a later fact
   leaves one answer possible;
2. a quarantined profile (state ``error``, see ``provisioning._esim_fail_record``) leaves
   quarantine when those facts say where it is: back in stock (the SM-DP+ never kept it, or our
   cancelOrder ``Available`` took effect), retired (cancelOrder ``Unavailable``), or released to
   a device (the SM-DP+ reported a download or installation). It stays quarantined, with the
   reason, while the facts leave it in doubt or the SM-DP+ still holds it for a failed eSIM;
3. every stored HandleDownloadProgressInfo notification is replayed in timestamp order through
   the intake's forward-only rules (``smdp_client.notifications.apply``): one that arrived while
   the profile could not take it (quarantined, suspended, or before its release was recorded)
   is applied now. A suspended profile keeps its suspension; what the device did becomes the
   state it resumes to.

Running it again changes nothing: the result then says the eSIM is already in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from orders.choices import EsimStatus, FailureOutcome
from orders.models import Esim
from profiles.choices import EventSource, ProfileState
from profiles.lifecycle import PROGRESS_RANK, can_transition, is_forward
from profiles.models import Profile
from profiles.services import profile_transition
from smdp_client.choices import NotificationState
from smdp_client.models import Es2Notification
from smdp_client.notifications.apply import notification_settle
from smdp_client.reconcile import Reconciliation, Standing, iccid_reconcile, notification_target

# Notifications the intake left without a definite outcome for this profile.
OPEN_STATES = frozenset(
    {
        NotificationState.RECEIVED,
        NotificationState.NOT_APPLICABLE,
        NotificationState.UNKNOWN_ICCID,
    }
)
DEVICE_STANDINGS = frozenset({Standing.DOWNLOADED, Standing.INSTALLED})


@dataclass
class ResyncResult:
    esim: Esim
    changes: list[str] = field(default_factory=list)
    still_open: list[str] = field(default_factory=list)

    @property
    def in_step(self) -> bool:
        return not self.changes

    @property
    def summary(self) -> str:
        head = "Resync: already in step." if self.in_step else "Resync: " + "; ".join(self.changes)
        if self.still_open:
            head += " Still open: " + "; ".join(self.still_open) + "."
        return head


def _profile_of(esim: Esim) -> Profile | None:
    """The eSIM's profile, or the one a failed eSIM let go of while it is nobody else's."""
    profiles = Profile.objects.select_for_update(of=("self",)).select_related("pool__smdp_server")
    if esim.profile_id is not None:
        return profiles.get(pk=esim.profile_id)
    if esim.status != EsimStatus.FAILED:
        return None
    return (
        profiles.filter(iccid=esim.iccid, esim__isnull=True)
        .exclude(state=ProfileState.AVAILABLE)
        .first()
    )


@transaction.atomic
def esim_resync(*, esim: Esim, actor: str, reason: str) -> ResyncResult:
    """Bring our records of one eSIM in step with the SM-DP+'s facts; says what changed."""
    esim = Esim.objects.select_for_update(of=("self",)).get(pk=esim.pk)
    profile = _profile_of(esim)
    if profile is None:
        return ResyncResult(
            esim, still_open=[f"the eSIM holds no profile ({esim.get_status_display().lower()})"]
        )
    server = profile.pool.smdp_server
    notes = list(
        Es2Notification.objects.select_for_update()
        .filter(server=server, iccid=profile.iccid)
        .order_by("timestamp", "pk")
    )
    facts = iccid_reconcile(server=server, iccid=profile.iccid, notifications=notes)
    result = ResyncResult(esim, changes=[f"ES2+ call {line}" for line in facts.resolved])
    result.still_open.extend(facts.unresolved)
    attached = esim.profile_id == profile.pk
    context = _Context(esim=esim, profile=profile, attached=attached, actor=actor, reason=reason)
    if profile.state == ProfileState.ERROR:
        _lift_quarantine(context, facts, result)
    if profile.state in PROGRESS_RANK or profile.state == ProfileState.SUSPENDED:
        _replay(context, notes, result)
    esim.refresh_from_db()
    return result


@dataclass
class _Context:
    esim: Esim
    profile: Profile
    attached: bool
    actor: str
    reason: str

    def move(self, to_state: ProfileState, why: str, **fields: str) -> None:
        profile_transition(
            profile=self.profile,
            to_state=to_state,
            source=EventSource.STAFF,
            actor=self.actor,
            reason=f"resync: {why}"[:255],
            payload={"esim_id": self.esim.pk, "staff_reason": self.reason},
            **fields,
        )


def _lift_quarantine(context: _Context, facts: Reconciliation, result: ResyncResult) -> None:
    standing = facts.standing
    if standing in DEVICE_STANDINGS or (standing == Standing.RELEASED and context.attached):
        target = ProfileState.RELEASED
        if not context.attached:
            result.still_open.append(
                "the profile is in use on a device although this eSIM failed and was refunded"
            )
    elif standing == Standing.AVAILABLE and not context.attached:
        target = ProfileState.AVAILABLE
        Esim.objects.filter(pk=context.esim.pk).update(failure_outcome=FailureOutcome.RESTOCKED)
    elif standing == Standing.UNAVAILABLE:
        target = ProfileState.RETIRED
    else:
        held = "the SM-DP+ still holds it: " if standing != Standing.IN_DOUBT else ""
        result.still_open.append(f"the profile stays quarantined ({held}{facts.because})")
        return
    context.move(target, facts.because)
    result.changes.append(
        f"quarantine lifted, profile error → {target.label.lower()} ({facts.because})"
    )


def _replay(context: _Context, notes: list[Es2Notification], result: ResyncResult) -> None:
    profile, esim = context.profile, context.esim
    for note in notes:
        standing = notification_target(note)
        if standing is None:
            if note.state in (NotificationState.RECEIVED, NotificationState.UNKNOWN_ICCID):
                notification_settle(
                    note=note,
                    state=NotificationState.RECORDED,
                    detail=f"staff resync: point {note.notification_point_id} "
                    f"{note.point_status}, no state change",
                )
            continue
        target = ProfileState(standing.value)
        current = ProfileState(profile.state)
        when = (
            f"notification #{note.pk}, point {note.notification_point_id} "
            f"at {note.timestamp:%Y-%m-%d %H:%M}"
        )
        if current in PROGRESS_RANK and is_forward(current, target):
            if not can_transition(current, target):
                continue
            fields = {"eid": note.eid} if note.eid and not profile.eid else {}
            context.move(target, when, **fields)
            notification_settle(
                note=note,
                state=NotificationState.APPLIED,
                detail=f"applied by a staff resync: profile is now {target.label.lower()}",
            )
            result.changes.append(
                f"profile {current.label.lower()} → {target.label.lower()} ({when})"
            )
        elif current == ProfileState.SUSPENDED and context.attached:
            resume_to = ProfileState(esim.suspended_from or ProfileState.RELEASED)
            if not is_forward(resume_to, target):
                _stale(note, f"the profile resumes to {resume_to.label.lower()} already", result)
                continue
            Esim.objects.filter(pk=esim.pk).update(suspended_from=target)
            esim.suspended_from = target
            notification_settle(
                note=note,
                state=NotificationState.APPLIED,
                detail=f"applied by a staff resync: the suspended profile resumes to "
                f"{target.label.lower()}",
            )
            result.changes.append(
                f"suspended profile now resumes to {target.label.lower()} ({when})"
            )
        elif current in PROGRESS_RANK:
            _stale(note, f"the profile is already {current.label.lower()}", result)


def _stale(note: Es2Notification, detail: str, result: ResyncResult) -> None:
    if note.state not in OPEN_STATES:
        return
    notification_settle(note=note, state=NotificationState.STALE, detail=f"staff resync: {detail}")
    result.changes.append(f"notification #{note.pk} kept as stale ({detail})")
