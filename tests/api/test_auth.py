"""Who may call: Bearer keys, 401 versus 403, scopes, suspended partners."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from partners.services import api_key_create, api_key_revoke, partner_set_status
from tests.api.conftest import PartnerClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/balance"


def test_no_key_is_401_not_authenticated_as_problem_json(partner) -> None:
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_key_is_401_authentication_failed(partner) -> None:
    response = PartnerClient("cesk_000000000000.nope").get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_non_bearer_scheme_is_401(partner) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwdw==")
    assert client.get(URL).status_code == 401


def test_revoked_key_is_401(partner) -> None:
    key, secret = api_key_create(partner=partner)
    api_key_revoke(key=key)
    assert PartnerClient(secret).get(URL).status_code == 401


def test_expired_key_is_401(partner) -> None:
    _, secret = api_key_create(partner=partner, expires_at=timezone.now() - timedelta(seconds=1))
    assert PartnerClient(secret).get(URL).status_code == 401


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
def test_behind_our_proxy_a_key_records_the_address_the_proxy_saw(partner) -> None:
    key, presented = api_key_create(partner=partner)

    PartnerClient(presented).get(
        URL, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9"
    )

    key.refresh_from_db()
    assert key.last_used_ip == "203.0.113.9"


def test_valid_key_is_200(api) -> None:
    assert api.get(URL).status_code == 200


def test_suspended_partner_is_403_permission_denied(api, partner) -> None:
    partner_set_status(partner=partner, status="suspended")
    response = api.get(URL)
    assert response.status_code == 403
    assert "suspended" in response.json()["detail"]


def test_a_revoked_key_of_a_suspended_partner_is_401_not_403(partner) -> None:
    key, secret = api_key_create(partner=partner)
    api_key_revoke(key=key)
    partner_set_status(partner=partner, status="suspended")

    assert PartnerClient(secret).get(URL).status_code == 401


def test_a_wrong_secret_for_a_suspended_partners_key_is_401(partner) -> None:
    _, secret = api_key_create(partner=partner)
    partner_set_status(partner=partner, status="suspended")

    assert PartnerClient(f"{secret}x").get(URL).status_code == 401


def test_read_only_key_may_read(read_only_api) -> None:
    assert read_only_api.get(URL).status_code == 200


def test_read_only_key_may_not_write_and_gets_403(read_only_api) -> None:
    response = read_only_api.post(
        "/api/v1/webhook-endpoints", {"url": "https://hooks.example.com/x"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "write" in response.json()["detail"]


def test_every_answer_carries_rate_limit_headers(api) -> None:
    response = api.get(URL)
    assert int(response["RateLimit-Limit"]) == 600
    assert int(response["RateLimit-Remaining"]) == 599


def test_a_nul_byte_in_the_key_prefix_is_401(partner) -> None:
    response = PartnerClient("cesk_ab\x00cd.secret").get(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_method_the_path_does_not_have_is_405_not_403(api) -> None:
    response = api.patch("/api/v1/orders", {}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_post_to_a_read_only_path_is_405_and_needs_no_idempotency_key(api) -> None:
    response = api.client_post_without_key(URL, {})

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
