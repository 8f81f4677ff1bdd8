"""Redelivery: one more attempt now, without losing the retry schedule or racing a worker."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from partners.webhooks import services
from partners.webhooks.choices import DeliveryStatus
from partners.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.partners_webhooks.receiver import webhook_receiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dev_targets")]


def test_a_failed_redelivery_of_a_pending_delivery_keeps_its_next_automatic_attempt(
    emit_one,
    partner,
) -> None:
    with webhook_receiver() as receiver:
        receiver.status = 503
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        delivery = emit_one(partner)
        services.webhook_deliver(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        scheduled = delivery.next_attempt_at
        services.webhook_delivery_redeliver(delivery=delivery)
        manual = services.webhook_deliver(delivery_id=delivery.pk)
    assert manual is not None
    assert manual.manual
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.auto_retry
    assert delivery.next_attempt_at == scheduled


def test_a_manual_attempt_does_not_use_up_a_step_of_the_retry_schedule(emit_one, partner) -> None:
    with webhook_receiver() as receiver:
        receiver.status = 503
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        delivery = emit_one(partner)
        services.webhook_deliver(delivery_id=delivery.pk)
        services.webhook_delivery_redeliver(delivery=delivery)
        services.webhook_deliver(delivery_id=delivery.pk)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        services.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    second_step = timedelta(seconds=services.RETRY_SCHEDULE[1])
    assert before + second_step * 0.75 < delivery.next_attempt_at
    assert delivery.next_attempt_at < before + second_step * 1.25


@pytest.mark.django_db(transaction=True)
def test_a_redelivery_while_an_attempt_is_in_flight_is_refused(emit_one, partner) -> None:
    attempts = []

    def worker(delivery_id: int) -> None:
        try:
            attempts.append(services.webhook_deliver(delivery_id=delivery_id))
        finally:
            connection.close()

    with webhook_receiver() as receiver:
        receiver.delay = 1.0
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        delivery = emit_one(partner)
        sending = threading.Thread(target=worker, args=(delivery.pk,))
        sending.start()
        while not receiver.requests:
            threading.Event().wait(0.02)
        with pytest.raises(services.WebhookDeliveryBusy):
            services.webhook_delivery_redeliver(delivery=delivery)
        sending.join()
    assert [a.number for a in attempts] == [1]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.leased_until is None


def test_two_attempts_of_a_delivery_cannot_share_a_number(emit_one, partner) -> None:
    services.webhook_endpoint_create(partner=partner, url="https://a.example.com/h")
    delivery = emit_one(partner)
    fields = {"delivery": delivery, "number": 1, "started_at": timezone.now(), "latency_ms": 5}
    WebhookAttempt.objects.create(succeeded=False, **fields)
    with pytest.raises(IntegrityError):
        WebhookAttempt.objects.create(succeeded=True, **fields)
