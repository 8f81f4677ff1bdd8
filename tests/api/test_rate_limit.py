"""Per-key rate limits counted in Redis: 429 with Retry-After, per key, not per partner."""

from __future__ import annotations

import pytest

from partners.services import api_key_create
from tests.api.conftest import PartnerClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/balance"


def test_over_the_limit_is_429_with_retry_after(api, settings) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    statuses = [api.get(URL).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get(URL)
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_each_key_has_its_own_budget(api, partner, settings) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    _, second = api_key_create(partner=partner)
    assert api.get(URL).status_code == 200
    assert api.get(URL).status_code == 429
    assert PartnerClient(second).get(URL).status_code == 200
