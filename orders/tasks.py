"""Thin Celery wrappers: every rule lives in ``orders.services``."""

from __future__ import annotations

from celery import shared_task

from coreesim.tasks import ResilientTask
from orders import services


@shared_task(base=ResilientTask, bind=True, name="orders.provision_job")
def provision_job(self: ResilientTask, job_id: int) -> None:
    """Run one provisioning job; transport failures retry with backoff (``ResilientTask``)."""
    services.provisioning_job_run(job_id=job_id)


@shared_task(name="orders.outbox_resend", ignore_result=True)
def outbox_resend() -> int:
    return services.outbox_resend()


@shared_task(name="orders.resolve_stuck", ignore_result=True)
def resolve_stuck() -> int:
    return services.orders_resolve_stuck()


@shared_task(name="orders.expire_esims", ignore_result=True)
def expire_esims() -> int:
    return services.esims_expire()


@shared_task(name="orders.expiry_notices", ignore_result=True)
def expiry_notices() -> int:
    return services.expiry_notices_emit()
