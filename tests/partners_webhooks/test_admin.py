"""The webhook admin: a read-only log that never shows a signing secret."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partners.webhooks import services
from partners.webhooks.models import WebhookAttempt, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(partner: Any) -> tuple[WebhookEndpoint, str]:
    return services.webhook_endpoint_create(partner=partner, url="https://hooks.example.com/in")


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


def test_a_delivery_page_lists_every_attempt(
    superuser_client: Client, endpoint: tuple[WebhookEndpoint, str]
) -> None:
    row, _ = endpoint
    delivery = services.webhook_endpoint_test(endpoint=row)
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=1,
        started_at=timezone.now(),
        succeeded=False,
        status_code=503,
        latency_ms=41,
        error="the receiver answered 503",
    )

    response = superuser_client.get(
        reverse("admin:partners_webhookdelivery_change", args=[delivery.pk])
    )

    assert response.status_code == 200
    assert "the receiver answered 503" in response.content.decode()
