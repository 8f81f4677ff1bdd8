"""The webhook admin: a read-only log that never shows a signing secret, with two actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.webhooks import services
from partners.webhooks.choices import DeliveryStatus, WebhookEventType
from partners.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories.staff import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(partner: Any) -> tuple[WebhookEndpoint, str]:
    return services.webhook_endpoint_create(partner=partner, url="https://hooks.example.com/in")


def _changelist_action(client: Client, model: str, action: str, pk: int) -> None:
    client.post(
        reverse(f"admin:partners_{model}_changelist"),
        {"action": action, "_selected_action": [pk]},
    )


def test_an_endpoint_page_shows_neither_secret(
    superuser_client: Client, endpoint: tuple[WebhookEndpoint, str]
) -> None:
    row, secret = endpoint
    rotated, new_secret = services.webhook_endpoint_rotate_secret(endpoint=row)

    response = superuser_client.get(
        reverse("admin:partners_webhookendpoint_change", args=[rotated.pk])
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "https://hooks.example.com/in" in body
    assert secret not in body
    assert new_secret not in body


def test_an_endpoint_cannot_be_changed_here(
    superuser_client: Client, endpoint: tuple[WebhookEndpoint, str]
) -> None:
    """A URL changed here would skip the SSRF guard that the API and staff pages run."""
    row, _ = endpoint
    url = reverse("admin:partners_webhookendpoint_change", args=[row.pk])

    response = superuser_client.post(url, {"url": "http://169.254.169.254/"})

    assert response.status_code == 403
    row.refresh_from_db()
    assert row.url == "https://hooks.example.com/in"


def test_send_test_queues_a_webhook_test_message(
    superuser_client: Client, endpoint: tuple[WebhookEndpoint, str]
) -> None:
    row, _ = endpoint

    _changelist_action(superuser_client, "webhookendpoint", "send_test", row.pk)

    delivery = WebhookDelivery.objects.get(endpoint=row)
    assert delivery.event_type == WebhookEventType.WEBHOOK_TEST
    assert delivery.status == DeliveryStatus.PENDING


def test_redeliver_sends_the_same_message_again(
    superuser_client: Client, endpoint: tuple[WebhookEndpoint, str]
) -> None:
    row, _ = endpoint
    delivery = services.webhook_endpoint_test(endpoint=row)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)

    _changelist_action(superuser_client, "webhookdelivery", "redeliver", delivery.pk)

    again = WebhookDelivery.objects.get()
    assert again.status == DeliveryStatus.PENDING
    assert again.message_id == delivery.message_id


def test_staff_who_may_only_view_cannot_send(endpoint: tuple[WebhookEndpoint, str]) -> None:
    row, _ = endpoint
    viewer = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookendpoint"))
    TOTPDevice.objects.create(user=viewer, name="phone", confirmed=True)
    client = verified_client(viewer)

    listing = client.get(reverse("admin:partners_webhookendpoint_changelist"))
    _changelist_action(client, "webhookendpoint", "send_test", row.pk)

    assert listing.status_code == 200
    assert not WebhookDelivery.objects.exists()
