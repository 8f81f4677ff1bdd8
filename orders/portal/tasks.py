"""Thin Celery wrappers: send one traveler email, and re-ring the doorbell for stuck ones."""

from __future__ import annotations

from coreesim.celery import app
from coreesim.tasks import ResilientTask
from orders.portal import services


@app.task(base=ResilientTask, bind=True, name="portal.traveler_email_send")
def traveler_email_send(self: ResilientTask, email_id: int) -> None:
    """Raises ``TransientError`` on a mail-server failure, so the base task retries it."""
    services.traveler_email_deliver(
        email_id=email_id, final=self.request.retries >= (self.max_retries or 0)
    )


@app.task(name="portal.traveler_email_sweep")
def traveler_email_sweep() -> int:
    """Re-queue pending emails whose first doorbell was lost (broker down at commit time).

    Scheduled by ``CELERY_BEAT_SCHEDULE["portal-traveler-email-sweep"]`` in the settings.
    """
    ids = services.traveler_email_pending_ids()
    for email_id in ids:
        traveler_email_send.delay(email_id)
    return len(ids)
