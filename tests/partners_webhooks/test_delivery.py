"""Deliveries: written with the event, sent by the worker, retried, logged, redelivered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from partners.webhooks import services
from partners.webhooks.choices import DeliveryStatus, EndpointStatus, WebhookEventType
from partners.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.partners_webhooks.receiver import webhook_receiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dev_targets")]


def _emit(partner, event=WebhookEventType.ORDER_COMPLETED, data=None):
    return services.webhook_event_emit(
        partner_id=partner.pk, event_type=event, data=data or {"order_id": 1}
    )


def test_an_event_owes_one_delivery_per_subscribed_enabled_endpoint(partner) -> None:
    services.webhook_endpoint_create(partner=partner, url="https://a.example.com/h")
    services.webhook_endpoint_create(
        partner=partner, url="https://b.example.com/h", event_types=["esim.installed"]
    )
    disabled, _ = services.webhook_endpoint_create(partner=partner, url="https://c.example.com/h")
    services.webhook_endpoint_update(endpoint=disabled, enabled=False)
    deliveries = _emit(partner)
    assert [d.endpoint.url for d in deliveries] == ["https://a.example.com/h"]
    assert deliveries[0].payload["type"] == "order.completed"
    assert deliveries[0].payload["data"] == {"order_id": 1}


def test_a_rolled_back_event_leaves_no_delivery(partner) -> None:
    services.webhook_endpoint_create(partner=partner, url="https://a.example.com/h")

    def business_write_that_fails() -> None:
        with transaction.atomic():
            _emit(partner)
            raise RuntimeError("the business write failed")

    with pytest.raises(RuntimeError):
        business_write_that_fails()
    assert not WebhookDelivery.objects.exists()


def test_a_delivery_is_signed_so_standardwebhooks_verifies_it(partner) -> None:
    with webhook_receiver() as receiver:
        _endpoint, secret = services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        attempt = services.webhook_deliver(delivery_id=delivery.pk)
    assert attempt is not None
    assert attempt.succeeded
    received = receiver.requests[0]
    payload = Webhook(secret).verify(received.body, received.headers)
    assert payload["type"] == "order.completed"
    assert received.headers["webhook-id"] == delivery.message_id


def test_a_success_is_logged_with_status_latency_and_excerpt(partner) -> None:
    with webhook_receiver() as receiver:
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        services.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.last_status_code == 200
    assert delivery.last_latency_ms is not None
    assert delivery.last_response_excerpt == '{"ok":true}'
    assert WebhookAttempt.objects.get(delivery=delivery).status_code == 200


def test_a_failure_schedules_a_retry_with_backoff(partner) -> None:
    with webhook_receiver() as receiver:
        receiver.status = 503
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        before = timezone.now()
        services.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code == 503
    assert before + timedelta(seconds=3) < delivery.next_attempt_at
    assert delivery.next_attempt_at < before + timedelta(seconds=10)


def test_a_delivery_not_yet_due_is_not_sent(partner) -> None:
    with webhook_receiver() as receiver:
        receiver.status = 500
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        services.webhook_deliver(delivery_id=delivery.pk)
        assert services.webhook_deliver(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1


def test_redirects_are_not_followed_and_count_as_failure(partner) -> None:
    with webhook_receiver() as receiver, webhook_receiver() as elsewhere:
        receiver.redirect_to = elsewhere.url
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        attempt = services.webhook_deliver(delivery_id=delivery.pk)
    assert attempt is not None
    assert not attempt.succeeded
    assert attempt.status_code == 302
    assert elsewhere.requests == []


def test_a_loopback_receiver_is_refused_when_private_targets_are_not_allowed(
    partner, settings
) -> None:
    with webhook_receiver() as receiver:
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
        attempt = services.webhook_deliver(delivery_id=delivery.pk)
    assert attempt is not None
    assert not attempt.succeeded
    assert attempt.error.startswith("refused")
    assert receiver.requests == []


@pytest.mark.usefixtures("internal_dns")
def test_the_partner_cannot_tell_an_internal_host_from_one_that_does_not_exist(
    partner, settings
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    errors = []
    for url in ("https://db.corp.example/h", "https://nowhere.corp.example/h"):
        endpoint, _ = services.webhook_endpoint_create(partner=partner, url=url)
        delivery = services.webhook_endpoint_test(endpoint=endpoint)
        attempt = services.webhook_deliver(delivery_id=delivery.pk)
        assert attempt is not None
        delivery.refresh_from_db()
        errors.append((attempt.error, delivery.last_error))
    refused = "refused: the target address is not allowed"
    assert errors == [(refused, refused), (refused, refused)]


def test_the_retry_schedule_spans_about_three_days() -> None:
    total = sum(services.RETRY_SCHEDULE)
    assert timedelta(days=2.5) < timedelta(seconds=total) < timedelta(days=3.5)
    assert services.retry_delay(len(services.RETRY_SCHEDULE) + 1) is None


def test_retries_run_out_and_the_delivery_fails(partner) -> None:
    with webhook_receiver() as receiver:
        receiver.status = 500
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempt_count=len(services.RETRY_SCHEDULE)
        )
        services.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.next_attempt_at is None


def test_an_endpoint_failing_for_three_days_is_disabled_and_the_partner_emailed(
    partner, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with webhook_receiver() as receiver:
        receiver.status = 500
        endpoint, _ = services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        endpoint.failing_since = timezone.now() - timedelta(days=3, minutes=1)
        endpoint.save()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempt_count=len(services.RETRY_SCHEDULE)
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.webhook_deliver(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.DISABLED
    assert "failed" in endpoint.disabled_reason
    assert len(mailoutbox) == 1


def test_a_success_clears_the_failure_streak(partner) -> None:
    with webhook_receiver() as receiver:
        endpoint, _ = services.webhook_endpoint_create(partner=partner, url=receiver.url)
        endpoint.failing_since = timezone.now() - timedelta(days=1)
        endpoint.save()
        (delivery,) = _emit(partner)
        services.webhook_deliver(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_redelivery_sends_the_same_message_id_again(partner) -> None:
    with webhook_receiver() as receiver:
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        services.webhook_deliver(delivery_id=delivery.pk)
        services.webhook_delivery_redeliver(delivery=delivery)
        services.webhook_deliver(delivery_id=delivery.pk)
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids == [delivery.message_id, delivery.message_id]
    assert WebhookAttempt.objects.filter(delivery=delivery, manual=True).count() == 1


def test_rotation_signs_with_both_secrets_for_the_grace_period(partner) -> None:
    with webhook_receiver() as receiver:
        endpoint, old = services.webhook_endpoint_create(partner=partner, url=receiver.url)
        endpoint, new = services.webhook_endpoint_rotate_secret(endpoint=endpoint)
        (delivery,) = _emit(partner)
        services.webhook_deliver(delivery_id=delivery.pk)
    received = receiver.requests[0]
    Webhook(old).verify(received.body, received.headers)
    Webhook(new).verify(received.body, received.headers)


def test_a_test_event_reaches_an_endpoint_not_subscribed_to_it(partner) -> None:
    with webhook_receiver() as receiver:
        endpoint, _ = services.webhook_endpoint_create(
            partner=partner, url=receiver.url, event_types=["esim.expired"]
        )
        delivery = services.webhook_endpoint_test(endpoint=endpoint)
        services.webhook_deliver(delivery_id=delivery.pk)
    assert b'"webhook.test"' in receiver.requests[0].body


def test_creating_an_endpoint_with_an_unsafe_url_is_refused(partner, settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(services.WebhookUrlRefused):
        services.webhook_endpoint_create(partner=partner, url="http://hooks.example.com/x")


def test_the_secret_is_stored_encrypted(partner) -> None:
    endpoint, secret = services.webhook_endpoint_create(
        partner=partner, url="https://a.example.com"
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM partners_webhookendpoint WHERE id = %s", [endpoint.pk])
        (stored,) = cursor.fetchone()
    assert secret not in stored


def test_only_the_first_64_kib_of_an_answer_are_read_and_1_kib_kept(partner) -> None:
    with webhook_receiver() as receiver:
        receiver.reply = b"x" * (1024 * 1024)
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        attempt = services.webhook_deliver(delivery_id=delivery.pk)
    assert attempt is not None
    assert attempt.succeeded
    assert attempt.response_excerpt == "x" * 1024


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(partner, settings) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    with webhook_receiver() as receiver:
        receiver.delay = 3.0
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        attempt = services.webhook_deliver(delivery_id=delivery.pk)
    assert attempt is not None
    assert not attempt.succeeded
    assert "Timeout" in attempt.error
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING


def test_a_pending_delivery_to_a_disabled_endpoint_fails_without_a_request(partner) -> None:
    with webhook_receiver() as receiver:
        endpoint, _ = services.webhook_endpoint_create(partner=partner, url=receiver.url)
        (delivery,) = _emit(partner)
        services.webhook_endpoint_update(endpoint=endpoint, enabled=False)
        assert services.webhook_deliver(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert receiver.requests == []


def test_the_sweep_finds_due_deliveries_only(partner) -> None:
    services.webhook_endpoint_create(partner=partner, url="https://a.example.com/h")
    due, later = _emit(partner), _emit(partner)
    WebhookDelivery.objects.filter(pk=later[0].pk).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    assert services.webhook_deliveries_due() == [due[0].pk]
