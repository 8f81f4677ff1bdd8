"""Operator and system actions on a delivered eSIM, each through ``profile_transition``.

Every action checks the state first (an illegal one is ``InvalidEsimState``, nothing changes),
writes a ProfileEvent through the profiles app, and is safe to repeat: asking for the state the
eSIM is already in returns without doing anything again. ES2+ calls (CancelOrder) are made
before the database transaction so no lock is held over the network; the Es2Call log records
them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from coreesim.logging import redact_text
from orders.choices import EsimStatus, EsimStep, JobKind
from orders.errors import InvalidEsimState, OutOfStock
from orders.models import Esim, EsimReissue, Order
from orders.services.outbox import provisioning_job_create
from orders.signals import announce, esim_changed
from partners.services import ledger_credit
from profiles.choices import EventSource, ProfileState
from profiles.lifecycle import can_transition
from profiles.models import Profile
from profiles.selectors import plan_pool_ids
from profiles.services import profile_reserve_available, profile_transition
from smdp_client.choices import FinalProfileStatus
from smdp_client.errors import Es2Error
from smdp_client.services import es2_cancel_order

logger = logging.getLogger(__name__)

# Never downloaded: the SM-DP+ can still put the profile back into its stock.
UNUSED_STATES = frozenset({ProfileState.RELEASED})
# Retiring ends a delivered eSIM. One still provisioning belongs to the pipeline, which either
# delivers it or fails it with a refund; failed and cancelled ones hold no profile any more.
RETIRABLE = frozenset({EsimStatus.RELEASED, EsimStatus.EXPIRED})


def _locked(esim: Esim) -> Esim:
    return (
        Esim.objects.select_for_update(of=("self",))
        .select_related("order", "order__partner", "profile", "profile__pool__smdp_server")
        .get(pk=esim.pk)
    )


def _profile(esim: Esim) -> Profile:
    if esim.profile is None:
        raise InvalidEsimState(f"eSIM {esim.pk} no longer holds a profile ({esim.status})")
    return esim.profile


def _move(
    esim: Esim, to_state: ProfileState, *, actor: str, reason: str, source: EventSource
) -> None:
    profile = _profile(esim)
    if not can_transition(profile.state, to_state):
        raise InvalidEsimState(
            f"a profile in state '{ProfileState(profile.state).label}' cannot become "
            f"'{to_state.label}'"
        )
    profile_transition(
        profile=profile,
        to_state=to_state,
        source=source,
        actor=actor,
        reason=reason,
        payload={"esim_id": esim.pk, "order_id": esim.order_id},
    )


@transaction.atomic
def esim_suspend(
    *, esim: Esim, actor: str, reason: str, source: EventSource = EventSource.STAFF
) -> Esim:
    """Bar a delivered eSIM (operator decision, reversible with ``esim_resume``)."""
    esim = _locked(esim)
    profile = _profile(esim)
    if profile.state == ProfileState.SUSPENDED:
        return esim
    if esim.status != EsimStatus.RELEASED:
        raise InvalidEsimState(f"only a delivered eSIM can be suspended ({esim.status})")
    previous = profile.state
    _move(esim, ProfileState.SUSPENDED, actor=actor, reason=reason, source=source)
    Esim.objects.filter(pk=esim.pk).update(suspended_from=previous)
    esim.refresh_from_db()
    announce(esim_changed, esim=esim, action="suspended")
    return esim


@transaction.atomic
def esim_resume(
    *, esim: Esim, actor: str, reason: str, source: EventSource = EventSource.STAFF
) -> Esim:
    """Lift a suspension: the profile returns to the state it had before."""
    esim = _locked(esim)
    profile = _profile(esim)
    if profile.state != ProfileState.SUSPENDED:
        if esim.suspended_from == "":
            return esim
        raise InvalidEsimState("the eSIM is not suspended")
    target = ProfileState(esim.suspended_from or ProfileState.RELEASED)
    _move(esim, target, actor=actor, reason=reason, source=source)
    Esim.objects.filter(pk=esim.pk).update(suspended_from="")
    esim.refresh_from_db()
    announce(esim_changed, esim=esim, action="resumed")
    return esim


def _cancel_at_smdp(esim: Esim, final: FinalProfileStatus) -> None:
    profile = _profile(esim)
    try:
        es2_cancel_order(server=profile.pool.smdp_server, iccid=esim.iccid, final_status=final)
    except Es2Error as exc:
        # The message reaches the partner's API answer: redacted as the call log keeps it.
        raise InvalidEsimState(f"the SM-DP+ refused CancelOrder: {redact_text(str(exc))}") from exc


def esim_cancel(*, esim: Esim, actor: str, reason: str) -> Esim:
    """Cancel an unused eSIM: CancelOrder ``Available``, profile back to stock, partner refunded.

    Only an eSIM whose profile was never downloaded can be cancelled; a used one is retired.
    """
    esim = Esim.objects.select_related("profile", "profile__pool__smdp_server").get(pk=esim.pk)
    if esim.status == EsimStatus.CANCELLED:
        return esim
    profile = _profile(esim)
    if esim.status != EsimStatus.RELEASED or profile.state not in UNUSED_STATES:
        raise InvalidEsimState("only an unused (never downloaded) eSIM can be cancelled")
    _cancel_at_smdp(esim, FinalProfileStatus.AVAILABLE)
    return _esim_cancel_record(esim=esim, profile_id=profile.pk, actor=actor, reason=reason)


def _unchanged(esim: Esim, *, profile_id: int, statuses: frozenset[EsimStatus]) -> Profile:
    """The profile the CancelOrder was sent for, locked and set on ``esim``, if it still holds it.

    The SM-DP+ is called before the lock is taken, so a reissue, a cancel or a device's progress
    may have moved the eSIM meanwhile; recording on top of that would act twice on one eSIM.
    """
    if esim.status not in statuses or esim.profile_id != profile_id:
        raise InvalidEsimState(
            f"the eSIM changed while the SM-DP+ was called (now {esim.status}): the "
            "CancelOrder was sent but nothing was recorded here; look at it again and resync "
            "from SM-DP+ if needed"
        )
    esim.profile = Profile.objects.select_for_update().get(pk=profile_id)
    return esim.profile


@transaction.atomic
def _esim_cancel_record(*, esim: Esim, profile_id: int, actor: str, reason: str) -> Esim:
    esim = _locked(esim)
    if esim.status == EsimStatus.CANCELLED:
        return esim
    profile = _unchanged(esim, profile_id=profile_id, statuses=frozenset({EsimStatus.RELEASED}))
    if profile.state not in UNUSED_STATES:
        raise InvalidEsimState(
            f"the profile became '{ProfileState(profile.state).label}' while the SM-DP+ was "
            "called; nothing was refunded: look at it again and resync from SM-DP+"
        )
    _move(esim, ProfileState.CANCELLED, actor=actor, reason=reason, source=EventSource.STAFF)
    _move(esim, ProfileState.AVAILABLE, actor=actor, reason=reason, source=EventSource.STAFF)
    order = esim.order
    ledger_credit(
        partner=order.partner,
        amount=order.unit_price,
        reference=f"order:{order.pk}:esim:{esim.pk}:cancel",
    )
    Order.objects.filter(pk=order.pk).update(
        refunded_amount=F("refunded_amount") + order.unit_price
    )
    Esim.objects.filter(pk=esim.pk).update(status=EsimStatus.CANCELLED, profile=None)
    esim.refresh_from_db()
    announce(esim_changed, esim=esim, action="cancelled")
    return esim


def esim_retire(*, esim: Esim, actor: str, reason: str) -> Esim:
    """Take a delivered eSIM out of service for good: CancelOrder ``Unavailable``, profile retired.

    An eSIM still provisioning is refused: the pipeline owns it until it is delivered or failed
    (a failure is refunded there), and retiring it under a worker would leave the partner
    charged for nothing and the SM-DP+ holding the reservation.
    """
    esim = Esim.objects.select_related("profile", "profile__pool__smdp_server").get(pk=esim.pk)
    if esim.status == EsimStatus.RETIRED:
        return esim
    if esim.status not in RETIRABLE:
        raise InvalidEsimState(
            f"only a delivered or expired eSIM can be retired; this one is "
            f"'{EsimStatus(esim.status).label}'"
        )
    profile = _profile(esim)
    if not can_transition(profile.state, ProfileState.RETIRED):
        raise InvalidEsimState(f"a profile in state '{profile.state}' cannot be retired")
    _cancel_at_smdp(esim, FinalProfileStatus.UNAVAILABLE)
    return _esim_retire_record(esim=esim, profile_id=profile.pk, actor=actor, reason=reason)


@transaction.atomic
def _esim_retire_record(*, esim: Esim, profile_id: int, actor: str, reason: str) -> Esim:
    esim = _locked(esim)
    if esim.status == EsimStatus.RETIRED:
        return esim
    _unchanged(esim, profile_id=profile_id, statuses=RETIRABLE)
    _move(esim, ProfileState.RETIRED, actor=actor, reason=reason, source=EventSource.STAFF)
    Esim.objects.filter(pk=esim.pk).update(status=EsimStatus.RETIRED)
    esim.refresh_from_db()
    announce(esim_changed, esim=esim, action="retired")
    return esim


def esim_reissue(*, esim: Esim, actor: str, reason: str) -> Esim:
    """Give the traveler a new working activation code; the old one stops working. No charge.

    For a failed download or a burned code. The old profile is cancelled at the SM-DP+: back
    to stock (``Available``) when it was never downloaded, retired (``Unavailable``) otherwise.
    A profile of the plan's pools is then reserved and provisioned for the same eSIM by the
    usual pipeline (it may be the same profile again, with a new matching ID).
    """
    esim = Esim.objects.select_related("order", "profile", "profile__pool__smdp_server").get(
        pk=esim.pk
    )
    if esim.status == EsimStatus.PROVISIONING:
        return esim
    if esim.status != EsimStatus.RELEASED:
        raise InvalidEsimState(f"an eSIM that is {esim.status} cannot be reissued")
    old = _profile(esim)
    restock = old.state in UNUSED_STATES
    if not restock and not _in_stock(esim):
        raise OutOfStock("no profile in stock to reissue this eSIM")
    if restock:
        _cancel_at_smdp(esim, FinalProfileStatus.AVAILABLE)
    else:
        try:
            _cancel_at_smdp(esim, FinalProfileStatus.UNAVAILABLE)
        except InvalidEsimState as exc:
            # A downloaded profile's matching ID is spent either way; retire it on our side.
            logger.warning(
                "esim_reissue_cancel_refused", extra={"iccid": esim.iccid, "error": str(exc)}
            )
    return _esim_reissue_record(esim=esim, actor=actor, reason=reason, restock=restock)


def _in_stock(esim: Esim) -> bool:
    return Profile.objects.filter(
        pool__plans=esim.order.plan_id, pool__is_active=True, state=ProfileState.AVAILABLE
    ).exists()


@transaction.atomic
def _esim_reissue_record(*, esim: Esim, actor: str, reason: str, restock: bool) -> Esim:
    esim = _locked(esim)
    old_iccid = esim.iccid
    if esim.status != EsimStatus.RELEASED:
        return esim
    if restock:
        _move(esim, ProfileState.CANCELLED, actor=actor, reason=reason, source=EventSource.STAFF)
        _move(esim, ProfileState.AVAILABLE, actor=actor, reason=reason, source=EventSource.STAFF)
    else:
        _move(esim, ProfileState.RETIRED, actor=actor, reason=reason, source=EventSource.STAFF)
    Esim.objects.filter(pk=esim.pk).update(profile=None)
    pool_ids = plan_pool_ids(plan_id=esim.order.plan_id)
    fresh = profile_reserve_available(pool_ids=pool_ids, quantity=1) if pool_ids else []
    if not fresh:
        raise OutOfStock("no profile in stock to reissue this eSIM")
    profile = fresh[0]
    Esim.objects.filter(pk=esim.pk).update(
        profile=profile,
        iccid=profile.iccid,
        status=EsimStatus.PROVISIONING,
        step=EsimStep.NONE,
        activation_code=None,
        smdp_address="",
        released_at=None,
        suspended_from="",
    )
    EsimReissue.objects.create(
        esim=esim, old_iccid=old_iccid, new_iccid=profile.iccid, reason=reason, actor=actor
    )
    esim.refresh_from_db()
    provisioning_job_create(kind=JobKind.REISSUE, order=esim.order, esim=esim)
    logger.info(
        "esim_reissued",
        extra={"esim_id": esim.pk, "old_iccid": old_iccid, "iccid": profile.iccid},
    )
    announce(esim_changed, esim=esim, action="reissued")
    return esim


def esim_activate(*, esim: Esim, at: datetime, eid: str = "") -> None:
    """Start the validity clock when the profile is first installed on a device (EID)."""
    fields: dict[str, object] = {
        "activated_at": at,
        "expires_at": at + timedelta(days=esim.validity_days),
    }
    if eid:
        fields["eid"] = eid
    Esim.objects.filter(pk=esim.pk, activated_at__isnull=True).update(**fields)


def esims_expire(*, now: datetime | None = None) -> int:
    """Expire every delivered eSIM whose validity ended: status expired, profile barred."""
    now = now or timezone.now()
    due = Esim.objects.filter(status=EsimStatus.RELEASED, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    expired = 0
    for esim_id in list(due):
        if _esim_expire(esim_id=esim_id, now=now):
            expired += 1
    return expired


@transaction.atomic
def _esim_expire(*, esim_id: int, now: datetime) -> bool:
    esim = _locked(Esim(pk=esim_id))
    if esim.status != EsimStatus.RELEASED or esim.expires_at is None or esim.expires_at > now:
        return False
    profile = esim.profile
    if profile is not None and can_transition(profile.state, ProfileState.SUSPENDED):
        _move(
            esim,
            ProfileState.SUSPENDED,
            actor="expiry",
            reason="validity ended",
            source=EventSource.SYSTEM,
        )
    Esim.objects.filter(pk=esim.pk).update(status=EsimStatus.EXPIRED)
    esim.refresh_from_db()
    logger.info("esim_expired", extra={"esim_id": esim.pk, "iccid": esim.iccid})
    announce(esim_changed, esim=esim, action="expired")
    return True
