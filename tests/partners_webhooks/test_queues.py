"""Webhooks have their own queue: a partner's slow receiver never holds up provisioning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from kombu import Connection, Message

from coreesim.celery import app as celery_app
from orders.tasks import provision_job
from partners.webhooks import services
from partners.webhooks.tasks import webhook_deliver_task, webhook_deliveries_sweep_task


@pytest.fixture
def broker() -> Iterator[Connection]:
    """The real broker with both queues empty, and empty again afterwards."""
    celery_app.control.purge()
    with celery_app.connection_for_write() as connection:
        yield connection
    celery_app.control.purge()


def _waiting(connection: Connection, queue: str) -> int:
    _, message_count, _ = (
        celery_app.amqp.queues[queue].bind(connection.default_channel).queue_declare()
    )
    return int(message_count)


def _take(connection: Connection, queue: str) -> Message:
    message = celery_app.amqp.queues[queue].bind(connection.default_channel).get(no_ack=True)
    assert message is not None
    return message


def test_deliveries_and_provisioning_are_published_to_separate_queues(broker: Connection) -> None:
    webhook_deliver_task.delay(1)
    provision_job.delay(1)
    provision_job.delay(2)
    assert (_waiting(broker, "webhooks"), _waiting(broker, "celery")) == (1, 2)


@pytest.mark.django_db
def test_a_delivery_queued_by_the_sweep_expires_before_the_next_sweep(
    broker: Connection, partner, emit_one
) -> None:
    """Otherwise every sweep adds one more message per due delivery while the workers are busy."""
    services.webhook_endpoint_create(partner=partner, url="https://hooks.example.com/h")
    emit_one(partner)
    queued_at = timezone.now()
    assert webhook_deliveries_sweep_task() == 1
    expires = datetime.fromisoformat(_take(broker, "webhooks").headers["expires"])
    assert 0 < (expires - queued_at).total_seconds() < settings.WEBHOOK_SWEEP_SECONDS
