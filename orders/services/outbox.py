"""The provisioning outbox: the job row is the truth, the Celery message only its doorbell.

A job is written in the transaction that creates the work and rung after commit. If the broker
is down then (or a message is lost with a worker), the job stays ``pending`` past its
``next_attempt_at`` and ``outbox_resend`` (beat) rings again. Running a job twice is harmless:
the pipeline claims each eSIM with a lease and skips what is already done.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.choices import JobKind, JobStatus
from orders.models import Esim, Order, ProvisioningJob

logger = logging.getLogger(__name__)

# How long a rung job may wait for a worker before the beat task rings again.
RESEND_AFTER = timedelta(seconds=60)
# While a job runs (and between its retries, whose backoff is at most 600 s) nobody rings.
RUNNING_GRACE = timedelta(seconds=660)
RESEND_BATCH = 500


def provisioning_job_create(
    *, kind: JobKind, order: Order, esim: Esim | None = None
) -> ProvisioningJob:
    """Record a job and ring its doorbell after the surrounding transaction commits."""
    job = ProvisioningJob.objects.create(
        kind=kind, order=order, esim=esim, sends=1, next_attempt_at=timezone.now() + RESEND_AFTER
    )
    job_id = job.pk
    transaction.on_commit(lambda: provisioning_job_send(job_id=job_id), robust=True)
    return job


def provisioning_job_send(*, job_id: int) -> bool:
    """Publish the job's message; False (logged, not raised) when the broker is unreachable.

    Publishing does not retry for long: the outbox is the retry, and an order request must not
    hang on a dead broker. Callers count the attempt in ``sends`` (in the row they write anyway).
    """
    from orders.tasks import provision_job

    try:
        provision_job.apply_async(
            args=[job_id],
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception as exc:  # any broker/transport failure: the beat task will re-send
        logger.warning("provisioning_job_send_failed", extra={"job_id": job_id, "error": repr(exc)})
        return False
    return True


def provisioning_job_running(*, job: ProvisioningJob) -> None:
    """A worker took the job: keep the beat task from ringing while it runs or backs off."""
    ProvisioningJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() + RUNNING_GRACE)


def provisioning_job_done(*, job: ProvisioningJob, error: str = "") -> None:
    ProvisioningJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, done_at=timezone.now(), last_error=error
    )


def outbox_resend(*, now: datetime | None = None) -> int:
    """Ring again every pending job whose time has passed; returns how many were re-sent."""
    now = now or timezone.now()
    due = list(
        ProvisioningJob.objects.filter(status=JobStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:RESEND_BATCH]
    )
    sent = 0
    for job_id in due:
        ProvisioningJob.objects.filter(pk=job_id).update(
            next_attempt_at=now + RESEND_AFTER, sends=F("sends") + 1
        )
        if provisioning_job_send(job_id=job_id):
            sent += 1
    if due:
        logger.info("outbox_resent", extra={"due": len(due), "sent": sent})
    return sent
