"""Idempotency-Key on the wire: required, replayed, conflicting, per partner."""

from __future__ import annotations

import pytest

from coreesim.api.idempotency import idempotency_claim
from partners.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhook-endpoints"
BODY = {"url": "https://hooks.example.com/coreesim"}


def test_a_post_without_the_header_is_400_and_does_nothing(api) -> None:
    response = api.client_post_without_key(URL, BODY)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not WebhookEndpoint.objects.exists()


def test_a_malformed_key_is_400(api) -> None:
    assert api.post(URL, BODY, idempotency_key="has space").status_code == 400


def test_a_retry_replays_status_and_body_without_running_again(api) -> None:
    first = api.post(URL, BODY, idempotency_key="key-1")
    second = api.post(URL, BODY, idempotency_key="key-1")
    assert second.status_code == first.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert WebhookEndpoint.objects.count() == 1


def test_the_same_key_with_another_body_is_422(api) -> None:
    api.post(URL, BODY, idempotency_key="key-1")
    response = api.post(URL, {"url": "https://other.example.com"}, idempotency_key="key-1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_conflict"


def test_the_same_key_by_another_partner_is_independent(api, other_api) -> None:
    api.post(URL, BODY, idempotency_key="key-1")
    response = other_api.post(URL, BODY, idempotency_key="key-1")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_a_validation_error_does_not_burn_the_key(api) -> None:
    assert api.post(URL, {"url": "not a url"}, idempotency_key="key-1").status_code == 400
    assert api.post(URL, BODY, idempotency_key="key-1").status_code == 201


def test_the_same_key_while_the_first_request_runs_is_409(api, partner) -> None:
    idempotency_claim(partner_id=partner.pk, key="key-1", method="POST", path=URL, data=BODY)
    response = api.post(URL, BODY, idempotency_key="key-1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert not WebhookEndpoint.objects.exists()
