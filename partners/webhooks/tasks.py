"""Thin Celery wrappers around the webhook services."""

from __future__ import annotations

from celery import shared_task

from coreesim.tasks import ResilientTask
from partners.webhooks.services import webhook_deliver, webhook_deliveries_due


@shared_task(base=ResilientTask, bind=True, name="partners.webhook_deliver")
def webhook_deliver_task(self: ResilientTask, delivery_id: int) -> None:
    webhook_deliver(delivery_id=delivery_id)


@shared_task(name="partners.webhook_deliveries_sweep", ignore_result=True)
def webhook_deliveries_sweep_task() -> int:
    """Beat, every few seconds: send what is due. Retries live in the row, not the broker."""
    due = webhook_deliveries_due()
    for delivery_id in due:
        webhook_deliver_task.delay(delivery_id)
    return len(due)
