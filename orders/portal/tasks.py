"""Thin Celery wrappers: send one traveler email, and ring the doorbell for the due ones."""

from __future__ import annotations

from coreesim.celery import app
from coreesim.tasks import ResilientTask
from orders.portal import services


@app.task(base=ResilientTask, name="portal.traveler_email_send")
def traveler_email_send(email_id: int) -> None:
    """One attempt; a failure schedules the next one on the row, not as a Celery retry."""
    services.traveler_email_deliver(email_id=email_id)


@app.task(name="portal.traveler_email_sweep")
def traveler_email_sweep() -> int:
    """Ring for pending emails whose next attempt is due: retries, and lost first doorbells.

    Scheduled by ``CELERY_BEAT_SCHEDULE["portal-traveler-email-sweep"]`` in the settings.
    """
    ids = services.traveler_email_due_claim()
    for email_id in ids:
        traveler_email_send.delay(email_id)
    return len(ids)
