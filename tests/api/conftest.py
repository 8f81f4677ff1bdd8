"""A partner with a plan, a balance and a key, and a client that speaks to /api/v1/ with it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from partners.models import Partner
from partners.services import api_key_create
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import PlanFactory


class PartnerClient(APIClient):
    """An APIClient bound to one key; ``post`` adds a fresh Idempotency-Key unless given."""

    def __init__(self, key: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    def post(self, path: str, data: Any = None, idempotency_key: str | None = None, **kw: Any):  # type: ignore[override]
        kw.setdefault("format", "json")
        key = idempotency_key or str(uuid.uuid4())
        return super().post(path, data, HTTP_IDEMPOTENCY_KEY=key, **kw)

    def client_post_without_key(self, path: str, data: Any = None) -> Any:
        return super().post(path, data, format="json")


@pytest.fixture(autouse=True)
def _clean_rate_limits() -> None:
    redis = get_redis_connection("default")
    for key in redis.scan_iter("coreesim:ratelimit:*"):
        redis.delete(key)


@pytest.fixture
def partner(db: None) -> Partner:
    """A partner allowed to sell one plan, with 100.00 USD on its balance."""
    return PartnerFactory(plans=[PlanFactory()], balance=Decimal("100.00"))


@pytest.fixture
def api(partner: Partner) -> PartnerClient:
    _, key = api_key_create(partner=partner)
    return PartnerClient(key)


@pytest.fixture
def read_only_api(partner: Partner) -> PartnerClient:
    _, key = api_key_create(partner=partner, scopes=["read"])
    return PartnerClient(key)


@pytest.fixture
def other_partner(db: None) -> Partner:
    return PartnerFactory(plans=[PlanFactory()], balance=Decimal("100.00"))


@pytest.fixture
def other_api(other_partner: Partner) -> PartnerClient:
    _, key = api_key_create(partner=other_partner)
    return PartnerClient(key)
