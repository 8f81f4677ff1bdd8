"""The worker side: a delivery whose doorbell was lost is still sent by the beat sweep."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from partners.webhooks import services
from partners.webhooks.choices import DeliveryStatus, WebhookEventType
from partners.webhooks.models import WebhookDelivery
from partners.webhooks.tasks import webhook_deliveries_sweep_task
from tests.factories.partners import PartnerFactory
from tests.partners_webhooks.receiver import webhook_receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_sweep_sends_a_delivery_whose_doorbell_was_lost(celery_worker, settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    partner = PartnerFactory()
    with webhook_receiver() as receiver:
        endpoint, secret = services.webhook_endpoint_create(partner=partner, url=receiver.url)
        delivery = WebhookDelivery.objects.create(
            partner=partner,
            endpoint=endpoint,
            message_id="msg_lost_doorbell",
            event_type=WebhookEventType.ORDER_COMPLETED,
            payload={"type": "order.completed", "timestamp": "t", "data": {"order_id": 1}},
            next_attempt_at=timezone.now(),
        )
        assert webhook_deliveries_sweep_task() == 1
        assert receiver.arrived.wait(30)
    received = receiver.requests[0]
    assert Webhook(secret).verify(received.body, received.headers)["data"] == {"order_id": 1}
    for _ in range(300):
        delivery.refresh_from_db()
        if delivery.status == DeliveryStatus.SUCCEEDED:
            break
        time.sleep(0.1)
    assert delivery.status == DeliveryStatus.SUCCEEDED
