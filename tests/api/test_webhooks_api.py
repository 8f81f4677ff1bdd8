"""Webhook endpoints and the delivery log over the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.webhooks import services
from partners.webhooks.choices import DeliveryStatus
from partners.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.partners_webhooks.receiver import webhook_receiver

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints"


@pytest.fixture(autouse=True)
def _dev_targets(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def _create(api, **body):
    body.setdefault("url", "https://hooks.example.com/coreesim")
    response = api.post(ENDPOINTS, body)
    assert response.status_code == 201, response.json()
    return response.json()


def test_creating_an_endpoint_shows_the_secret_once(api) -> None:
    created = _create(api, event_types=["order.completed"])
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["order.completed"]
    shown = api.get(f"{ENDPOINTS}/{created['id']}").json()
    assert "secret" not in shown


def test_an_unsafe_url_is_a_400_on_the_url_field(api, settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = api.post(ENDPOINTS, {"url": "http://127.0.0.1:9/x"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "url"


def test_an_unknown_event_type_is_a_400(api) -> None:
    response = api.post(ENDPOINTS, {"url": "https://h.example.com", "event_types": ["nope"]})
    assert response.status_code == 400


def test_endpoints_are_listed(api) -> None:
    _create(api)
    _create(api, url="https://second.example.com/h")
    assert len(api.get(ENDPOINTS).json()["results"]) == 2


def test_patch_changes_events_and_disables(api) -> None:
    created = _create(api)
    response = api.patch(
        f"{ENDPOINTS}/{created['id']}",
        {"event_types": ["esim.installed"], "enabled": False},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["event_types"] == ["esim.installed"]
    assert response.json()["status"] == "disabled"


def test_delete_removes_the_endpoint(api) -> None:
    created = _create(api)
    assert api.delete(f"{ENDPOINTS}/{created['id']}").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_rotating_returns_a_new_secret_and_a_grace_period(api) -> None:
    created = _create(api)
    rotated = api.post(f"{ENDPOINTS}/{created['id']}/rotate-secret").json()
    assert rotated["secret"] != created["secret"]
    assert rotated["secret_rotation_ends_at"] is not None


def test_the_test_event_is_delivered_by_the_worker(api, celery_worker) -> None:
    with webhook_receiver() as receiver:
        created = _create(api, url=receiver.url)
        response = api.post(f"{ENDPOINTS}/{created['id']}/test")
        assert response.status_code == 202
        assert receiver.arrived.wait(20)
    assert b"webhook.test" in receiver.requests[0].body


def test_deliveries_filter_by_status_event_and_endpoint(api, partner) -> None:
    first = _create(api)
    second = _create(api, url="https://second.example.com/h")
    services.webhook_event_emit(partner_id=partner.pk, event_type="order.completed", data={})
    services.webhook_event_emit(partner_id=partner.pk, event_type="esim.installed", data={})
    WebhookDelivery.objects.filter(event_type="esim.installed", endpoint_id=second["id"]).update(
        status=DeliveryStatus.FAILED
    )
    base = "/api/v1/webhook-deliveries"
    assert len(api.get(base).json()["results"]) == 4
    assert len(api.get(f"{base}?event_type=esim.installed").json()["results"]) == 2
    assert len(api.get(f"{base}?status=failed").json()["results"]) == 1
    assert len(api.get(f"{base}?endpoint={first['id']}").json()["results"]) == 2


def test_a_delivery_shows_its_payload_and_attempts(api, partner) -> None:
    with webhook_receiver() as receiver:
        _create(api, url=receiver.url)
        (delivery,) = services.webhook_event_emit(
            partner_id=partner.pk, event_type="order.completed", data={"order_id": 7}
        )
        services.webhook_deliver(delivery_id=delivery.pk)
    body = api.get(f"/api/v1/webhook-deliveries/{delivery.pk}").json()
    assert body["payload"]["data"] == {"order_id": 7}
    assert body["attempts"][0]["status_code"] == 200
    assert body["attempts"][0]["response_excerpt"] == '{"ok":true}'


def test_redeliver_queues_one_more_attempt(api, partner) -> None:
    with webhook_receiver() as receiver:
        receiver.status = 500
        _create(api, url=receiver.url)
        (delivery,) = services.webhook_event_emit(
            partner_id=partner.pk, event_type="order.completed", data={}
        )
        services.webhook_deliver(delivery_id=delivery.pk)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
        receiver.status = 200
        response = api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver")
        assert response.status_code == 202
        services.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempt_count == 2


def test_redeliver_while_an_attempt_is_in_flight_is_409_invalid_state(api, partner) -> None:
    _create(api)
    (delivery,) = services.webhook_event_emit(
        partner_id=partner.pk, event_type="order.completed", data={}
    )
    in_flight_until = timezone.now() + timedelta(minutes=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(leased_until=in_flight_until)
    response = api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"
    delivery.refresh_from_db()
    assert not delivery.next_attempt_manual


def test_delivery_list_query_count_is_bounded(api, partner, django_assert_max_num_queries) -> None:
    _create(api)
    for _ in range(30):
        services.webhook_event_emit(partner_id=partner.pk, event_type="order.completed", data={})
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/webhook-deliveries").json()["results"]) == 30


def test_endpoint_list_query_count_is_bounded(api, django_assert_max_num_queries) -> None:
    for n in range(10):
        _create(api, url=f"https://h{n}.example.com/x")
    with django_assert_max_num_queries(6):
        api.get(ENDPOINTS)
