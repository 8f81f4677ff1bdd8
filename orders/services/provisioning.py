"""The ES2+ pipeline: DownloadOrder → ConfirmOrder(releaseFlag) → activation code → released.

Each eSIM is claimed with a lease before any ES2+ call, so two deliveries of the same job (the
after-commit message and an outbox re-send, or a redelivery after a worker died) never work on
one eSIM at once. ``Esim.step`` records how far the SM-DP+ got, so a retry resumes with the next
call instead of repeating one the SM-DP+ already executed.

Failures:
- transport failures and retryable refusals raise ``TransientError``: the task retries with
  backoff and the lease is released for it;
- business refusals fail the eSIM with the SM-DP+'s words (secrets redacted), give the profile
  back to stock (after a CancelOrder if the SM-DP+ already holds it) or quarantine it when the
  profile record itself is in doubt, and refund the partner for it;
- when no eSIM of the order is left in progress the order settles as completed,
  partially_completed or failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from coreesim.logging import redact_text
from coreesim.secrets import reveal
from coreesim.tasks import TransientError
from orders.activation import activation_code_build
from orders.choices import (
    ORDER_FINAL_STATUSES,
    EsimStatus,
    EsimStep,
    FailureOutcome,
    JobKind,
    JobStatus,
    OrderStatus,
)
from orders.errors import InvalidEsimState, OutOfStock
from orders.models import Esim, Order, ProvisioningJob
from orders.services.outbox import (
    provisioning_job_create,
    provisioning_job_done,
    provisioning_job_running,
)
from orders.signals import announce, esim_failed, esim_released, order_settled
from partners.services import ledger_credit, ledger_debit
from profiles.choices import EventSource, ProfileState
from profiles.models import Profile
from profiles.selectors import plan_pool_ids
from profiles.services import profile_reserve_available, profile_transition
from smdp_client.choices import FailureAction, FinalProfileStatus
from smdp_client.errors import Es2Error, Es2FunctionError, Es2ProtocolError, Es2TransportError
from smdp_client.selectors import standing_reservation
from smdp_client.services import es2_cancel_order, es2_confirm_order, es2_download_order

logger = logging.getLogger(__name__)

ACTOR = "provisioning"
# Refusals that put our profile record itself in doubt: a human must look before it is sold.
QUARANTINE_ACTIONS = frozenset({FailureAction.FLAG_PROFILE, FailureAction.RESYNC})


class RetryLater(TransientError):
    """A refusal the classification table marks retryable: try the same step again later."""


def _claim(esim_id: int) -> bool:
    """Take the eSIM for ``ORDERS_LEASE_SECONDS``; a dead worker's lease simply runs out."""
    now = timezone.now()
    lease = timedelta(seconds=settings.ORDERS_LEASE_SECONDS)
    return bool(
        Esim.objects.filter(pk=esim_id, status=EsimStatus.PROVISIONING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + lease, attempts=F("attempts") + 1)
    )


def _unclaim(esim_id: int) -> None:
    Esim.objects.filter(pk=esim_id).update(lease_until=None)


def _load(esim_id: int) -> Esim:
    return Esim.objects.select_related(
        "order", "order__partner", "profile", "profile__pool", "profile__pool__smdp_server"
    ).get(pk=esim_id)


def esim_provision(*, esim_id: int) -> EsimStatus:
    """Run the ES2+ steps still missing for one eSIM; returns its status afterwards.

    Raises ``TransientError`` (transport failure or retryable refusal) for the caller to retry;
    every other outcome is recorded on the eSIM.
    """
    if not _claim(esim_id):
        return EsimStatus(Esim.objects.values_list("status", flat=True).get(pk=esim_id))
    try:
        esim = _load(esim_id)
        log = {"order_id": esim.order_id, "esim_id": esim.pk, "iccid": esim.iccid}
        assert esim.profile is not None
        server = esim.profile.pool.smdp_server
        try:
            if esim.step == EsimStep.NONE:
                es2_download_order(
                    server=server,
                    iccid=esim.iccid,
                    eid=esim.eid or None,
                    profile_type=esim.profile.pool.profile_type or None,
                )
                Esim.objects.filter(pk=esim.pk).update(step=EsimStep.DOWNLOAD_ORDERED)
                esim.step = EsimStep.DOWNLOAD_ORDERED
                logger.info("esim_download_ordered", extra=log)
            confirmation_code = reveal(esim.profile.confirmation_code) or None
            result = es2_confirm_order(
                server=server,
                iccid=esim.iccid,
                release_flag=True,
                eid=esim.eid or None,
                confirmation_code=confirmation_code,
            )
        except Es2FunctionError as exc:
            if exc.retryable:
                logger.warning("esim_refusal_retry", extra={**log, "code": _code(exc)})
                raise RetryLater(str(exc)) from exc
            esim_fail(esim=esim, error=exc)
            return EsimStatus.FAILED
        except Es2ProtocolError as exc:
            esim_fail(esim=esim, error=exc)
            return EsimStatus.FAILED
        except Es2TransportError:
            logger.warning("esim_transport_retry", extra={**log, "step": esim.step})
            raise
        code = activation_code_build(
            smdp_address=result.smdp_address,
            matching_id=result.matching_id,
            oid=server.smdp_oid or None,
            confirmation_required=confirmation_code is not None,
        )
        esim_release(
            esim=esim,
            smdp_address=result.smdp_address,
            matching_id=result.matching_id,
            activation_code=code,
            eid=result.eid or esim.eid,
        )
        return EsimStatus.RELEASED
    finally:
        _unclaim(esim_id)


def _code(exc: Es2Error) -> str:
    if isinstance(exc, Es2FunctionError):
        return f"{exc.subject_code}/{exc.reason_code}"
    return "protocol"


@transaction.atomic
def esim_release(
    *, esim: Esim, smdp_address: str, matching_id: str, activation_code: str, eid: str
) -> None:
    """Store the activation code (encrypted) and mark the eSIM and its profile released."""
    assert esim.profile is not None
    now = timezone.now()
    profile_transition(
        profile=esim.profile,
        to_state=ProfileState.RELEASED,
        source=EventSource.SYSTEM,
        actor=ACTOR,
        reason=f"ConfirmOrder for order {esim.order_id}",
        payload={"smdp_address": smdp_address, "order_id": esim.order_id},
        matching_id=matching_id,
        activation_code=activation_code,
    )
    Esim.objects.filter(pk=esim.pk).update(
        status=EsimStatus.RELEASED,
        step=EsimStep.CONFIRMED,
        smdp_address=smdp_address,
        activation_code=activation_code,
        confirmation_required=esim.profile.confirmation_code is not None,
        eid=eid or "",
        released_at=now,
        failure_code="",
        failure_reason="",
    )
    esim.refresh_from_db()
    logger.info(
        "esim_released",
        extra={"order_id": esim.order_id, "esim_id": esim.pk, "iccid": esim.iccid},
    )
    announce(esim_released, esim=esim)


def _failure_text(error: Es2Error | str) -> tuple[str, str]:
    """The code and words stored on the eSIM and the profile's history, redacted as the call log.

    Partners and staff read them, and an SM-DP+ may quote a matching ID or an activation code in
    its message; the call log keeps the same words with the same redaction.
    """
    if isinstance(error, Es2FunctionError):
        code, text = f"{error.subject_code}/{error.reason_code}", error.message or str(error)
    elif isinstance(error, Es2ProtocolError):
        code, text = "protocol", str(error)
    else:
        code, text = "", str(error)
    return code, redact_text(text)


def _should_quarantine(esim: Esim, error: Es2Error | str) -> bool:
    """By rule: a refusal about the profile record, a broken answer or an unknown outcome.

    A call that never left (the server is disabled or its TLS settings are broken) tells nothing
    about the profile: it goes back to stock unless the SM-DP+ may already hold it for us (a
    downloadOrder was made, or one whose answer was lost may have been), which the same broken
    server record would not let us cancel.
    """
    if isinstance(error, Es2FunctionError):
        return FailureAction(error.action) in QUARANTINE_ACTIONS
    if isinstance(error, Es2ProtocolError) and not error.sent:
        assert esim.profile is not None
        return esim.step != EsimStep.NONE or (
            standing_reservation(server=esim.profile.pool.smdp_server, iccid=esim.iccid) is not None
        )
    return True


def _cancel_at_smdp(esim: Esim) -> bool:
    """Give a profile the SM-DP+ already holds back to its stock; False when that failed."""
    assert esim.profile is not None
    try:
        es2_cancel_order(
            server=esim.profile.pool.smdp_server,
            iccid=esim.iccid,
            final_status=FinalProfileStatus.AVAILABLE,
        )
    except Es2Error as exc:
        logger.warning(
            "esim_cancel_after_failure_failed",
            extra={"esim_id": esim.pk, "iccid": esim.iccid, "error": str(exc)},
        )
        return False
    return True


def esim_fail(*, esim: Esim, error: Es2Error | str) -> None:
    """Fail one eSIM: profile back to stock or quarantined, partner refunded, order settled.

    The CancelOrder that returns an SM-DP+-held profile to stock happens before the transaction,
    so no database lock is held over the network.
    """
    quarantine = _should_quarantine(esim, error)
    if not quarantine and esim.step != EsimStep.NONE:
        quarantine = not _cancel_at_smdp(esim)
    _esim_fail_record(esim_id=esim.pk, error=error, quarantine=quarantine)


@transaction.atomic
def _esim_fail_record(*, esim_id: int, error: Es2Error | str, quarantine: bool) -> None:
    esim = (
        Esim.objects.select_for_update(of=("self",))
        .select_related("order", "order__partner", "profile")
        .get(pk=esim_id)
    )
    if esim.status != EsimStatus.PROVISIONING:
        return
    code, reason = _failure_text(error)
    profile = esim.profile
    outcome = FailureOutcome.QUARANTINED if quarantine else FailureOutcome.RESTOCKED
    if profile is not None:
        profile_transition(
            profile=profile,
            to_state=ProfileState.ERROR if quarantine else ProfileState.AVAILABLE,
            source=EventSource.SYSTEM,
            actor=ACTOR,
            reason=f"provisioning failed: {code} {reason}".strip(),
            payload={"order_id": esim.order_id, "code": code, "message": reason},
        )
    order = esim.order
    ledger_credit(
        partner=order.partner,
        amount=order.unit_price,
        reference=_refund_reference(esim),
    )
    Order.objects.filter(pk=order.pk).update(
        refunded_amount=F("refunded_amount") + order.unit_price
    )
    Esim.objects.filter(pk=esim.pk).update(
        status=EsimStatus.FAILED,
        profile=None,
        failure_code=code,
        failure_reason=reason,
        failure_outcome=outcome,
    )
    esim.refresh_from_db()
    logger.warning(
        "esim_failed",
        extra={
            "order_id": order.pk,
            "esim_id": esim.pk,
            "iccid": esim.iccid,
            "code": code,
            "outcome": outcome,
        },
    )
    announce(esim_failed, esim=esim)


def _refund_reference(esim: Esim) -> str:
    """One refund per failure: the first keeps its historical reference, each retry its own."""
    base = f"order:{esim.order_id}:esim:{esim.pk}:refund"
    return base if esim.retries == 0 else f"{base}:{esim.retries}"


@transaction.atomic
def order_settle(*, order_id: int) -> OrderStatus:
    """Give the order its final status once none of its eSIMs is still provisioning."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status in ORDER_FINAL_STATUSES:
        return OrderStatus(order.status)
    statuses = list(order.esims.values_list("status", flat=True))
    if EsimStatus.PROVISIONING in statuses:
        return OrderStatus(order.status)
    delivered = sum(1 for s in statuses if s != EsimStatus.FAILED)
    if delivered == len(statuses):
        status = OrderStatus.COMPLETED
    elif delivered:
        status = OrderStatus.PARTIALLY_COMPLETED
    else:
        status = OrderStatus.FAILED
    order.status = status
    order.completed_at = timezone.now()
    order.save(update_fields=["status", "completed_at"])
    logger.info(
        "order_settled", extra={"order_id": order.pk, "status": status, "delivered": delivered}
    )
    announce(order_settled, order=order)
    return status


def _job_esims(job: ProvisioningJob) -> QuerySet[Esim]:
    esims = Esim.objects.filter(order_id=job.order_id, status=EsimStatus.PROVISIONING)
    return esims.filter(pk=job.esim_id) if job.esim_id is not None else esims


def provisioning_job_run(*, job_id: int) -> None:
    """Provision every eSIM of the job that is still in progress, then settle the order.

    The job is done only when none of its eSIMs is still provisioning: an eSIM another worker
    holds (or a dead worker's lease that has not run out yet) keeps it pending for the outbox.
    """
    job = ProvisioningJob.objects.get(pk=job_id)
    if job.status == JobStatus.DONE:
        return
    provisioning_job_running(job=job)
    for esim_id in _job_esims(job).values_list("pk", flat=True):
        esim_provision(esim_id=esim_id)
    order_settle(order_id=job.order_id)
    if not _job_esims(job).exists():
        provisioning_job_done(job=job)


STUCK_AFTER = timedelta(hours=6)


def orders_resolve_stuck(
    *, now: datetime | None = None, older_than: timedelta = STUCK_AFTER
) -> int:
    """Finish jobs still pending long after they were written; returns how many were resolved.

    Retries of a transport failure back off for about an hour and the outbox keeps re-sending;
    a job older than ``older_than`` gives up its eSIMs nobody is working on (quarantining their
    profiles, since the SM-DP+ may have acted on a call whose answer we never saw; refunding the
    partner) and settles the order, so no order stays ``provisioning`` for ever.
    """
    now = now or timezone.now()
    stuck = ProvisioningJob.objects.filter(
        status=JobStatus.PENDING, created_at__lt=now - older_than
    )
    resolved = 0
    for job in list(stuck):
        idle = _job_esims(job).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        for esim_id in idle.values_list("pk", flat=True):
            _esim_fail_record(
                esim_id=esim_id,
                error="gave up: no answer from the SM-DP+ in time (outcome unknown)",
                quarantine=True,
            )
        order_settle(order_id=job.order_id)
        if not _job_esims(job).exists():
            provisioning_job_done(job=job, error="resolved as stuck")
            resolved += 1
            logger.warning("provisioning_job_resolved_stuck", extra={"order_id": job.order_id})
    return resolved


@dataclass(frozen=True)
class OrderRetry:
    """What ``order_retry`` did: the job it queued and how each failed eSIM was taken up."""

    job: ProvisioningJob
    resumed: list[str]
    fresh: list[str]


def order_retry(*, order: Order, actor: str, reason: str) -> OrderRetry:
    """Provision an order's failed eSIMs again (staff), or ring again for one still running.

    Each failed eSIM is charged its unit price again (it was refunded when it failed; a later
    failure refunds it again, under its own ledger reference, so the partner never pays twice
    for one eSIM) and gets a profile:

    - the same one, resumed at the ES2+ step it reached, when it was quarantined only because
      no answer came in time (``orders_resolve_stuck``): the ES2+ services settle a lost
      earlier answer from the call log, so no step is repeated blindly;
    - otherwise a fresh one from the plan's stock, from the first step: its own profile went
      back to stock (and may be taken again), or is flagged bad (refused as unknown, in the
      wrong state, or a broken answer) and stays quarantined.

    Raises ``InvalidEsimState`` (nothing to retry), ``OutOfStock`` or ``InsufficientBalance``;
    then nothing changed. The eSIM rows are locked, so two staff retrying at once give each
    eSIM one profile and one charge.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("partner").get(pk=order.pk)
        failed = list(
            order.esims.select_for_update(of=("self",))
            .filter(status=EsimStatus.FAILED)
            .order_by("pk")
        )
        if not failed and order.status != OrderStatus.PROVISIONING:
            raise InvalidEsimState("no eSIM of this order failed or is still provisioning")
        if failed:
            # Before the ledger debits lock the partner row: the sales trigger (``SalesDay``)
            # locks its row on this update, and ``order_place`` takes the two in this order.
            Order.objects.filter(pk=order.pk).update(
                status=OrderStatus.PROVISIONING, completed_at=None
            )
        resumed: list[str] = []
        fresh: list[str] = []
        for esim in failed:
            same, iccid = _esim_retake(esim=esim, order=order, actor=actor, reason=reason)
            (resumed if same else fresh).append(iccid)
        job = provisioning_job_create(kind=JobKind.PROVISION, order=order)
    logger.info(
        "order_retried",
        extra={"order_id": order.pk, "resumed": len(resumed), "fresh": len(fresh), "actor": actor},
    )
    return OrderRetry(job=job, resumed=resumed, fresh=fresh)


def _resumable(esim: Esim) -> Profile | None:
    """The eSIM's own profile when it was quarantined only for an unknown outcome."""
    if esim.failure_outcome != FailureOutcome.QUARANTINED or esim.failure_code:
        return None
    return (
        Profile.objects.select_for_update(of=("self",))
        .filter(iccid=esim.iccid, state=ProfileState.ERROR, esim__isnull=True)
        .first()
    )


def _esim_retake(*, esim: Esim, order: Order, actor: str, reason: str) -> tuple[bool, str]:
    """Charge again and give the failed eSIM a profile: (its own one, resumed?; the ICCID)."""
    retries = esim.retries + 1
    ledger_debit(
        partner=order.partner,
        amount=order.unit_price,
        reference=f"order:{order.pk}:esim:{esim.pk}:retry:{retries}",
        memo=f"provisioning retried by staff: {reason}"[:500],
        actor=actor,
    )
    Order.objects.filter(pk=order.pk).update(
        refunded_amount=F("refunded_amount") - order.unit_price
    )
    own = _resumable(esim)
    step = EsimStep(esim.step)
    why = f"provisioning retried by staff for order {order.pk}: {reason}"[:255]
    if own is not None:
        for state in (ProfileState.AVAILABLE, ProfileState.RESERVED):
            profile_transition(
                profile=own, to_state=state, source=EventSource.STAFF, actor=actor, reason=why
            )
        profile = own
    else:
        pool_ids = plan_pool_ids(plan_id=order.plan_id)
        taken = profile_reserve_available(
            pool_ids=pool_ids, quantity=1, source=EventSource.STAFF, actor=actor, reason=why
        )
        if not taken:
            raise OutOfStock(f"no profile of plan {order.plan_id} in stock to retry eSIM {esim.pk}")
        profile, step = taken[0], EsimStep.NONE
    Esim.objects.filter(pk=esim.pk).update(
        profile=profile,
        iccid=profile.iccid,
        status=EsimStatus.PROVISIONING,
        step=step,
        failure_code="",
        failure_reason="",
        failure_outcome="",
        lease_until=None,
        retries=retries,
    )
    return own is not None, profile.iccid
