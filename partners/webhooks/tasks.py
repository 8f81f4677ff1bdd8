"""Thin Celery wrappers around the webhook services.

Both run on the ``webhooks`` queue (``CELERY_TASK_ROUTES``), served by its own worker, so a
partner's slow receiver only ever delays other webhooks.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from coreesim.tasks import ResilientTask
from partners.webhooks.services import webhook_deliver, webhook_deliveries_due


@shared_task(base=ResilientTask, bind=True, name="partners.webhook_deliver")
def webhook_deliver_task(self: ResilientTask, delivery_id: int) -> None:
    webhook_deliver(delivery_id=delivery_id)


@shared_task(name="partners.webhook_deliveries_sweep", ignore_result=True)
def webhook_deliveries_sweep_task() -> int:
    """Beat, every few seconds: send what is due. Retries live in the row, not the broker.

    A due delivery is queued again by every sweep until a worker leases it. While the webhook
    workers are busy, those messages would pile up, one per delivery per sweep; each one
    expires halfway to the next sweep instead, so at most one of them waits per delivery and
    a worker drops a stale one unread.
    """
    due = webhook_deliveries_due()
    expires = settings.WEBHOOK_SWEEP_SECONDS / 2
    for delivery_id in due:
        webhook_deliver_task.apply_async((delivery_id,), expires=expires)
    return len(due)
