"""Housekeeping of the API's shared tables (registered by ``orders.api``'s app config)."""

from __future__ import annotations

from celery import shared_task

from coreesim.api.idempotency import idempotency_purge_expired


@shared_task(name="coreesim.idempotency_purge", ignore_result=True)
def idempotency_purge_task() -> int:
    """Hourly on beat: forget Idempotency-Keys older than their 24 hours."""
    return idempotency_purge_expired()
