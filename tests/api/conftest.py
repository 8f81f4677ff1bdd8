"""A partner with a plan, a balance and a key, and a client that speaks to /api/v1/ with it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from orders.models import Esim, Order, ProvisioningJob
from orders.services import order_place, provisioning_job_run
from partners.models import Partner
from partners.services import api_key_create
from smdp_client.simulator.server import Simulator, SimulatorConfig
from tests.factories.orders import Stock, make_stock
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


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    """The built-in SM-DP+ simulator over real HTTP (the pipeline and actions call it)."""
    redis = get_redis_connection("default")
    for key in redis.scan_iter("coreesim:es2:*"):
        redis.delete(key)
    sim = Simulator(SimulatorConfig(seed=11, requester_id="coreesim-test")).start()
    yield sim
    sim.stop()


@pytest.fixture
def stock(db: None, simulator: Simulator) -> Stock:
    """A partner allowed to sell a plan with 5 profiles on the simulator, and 100.00 USD."""
    return make_stock(
        profiles=5, price=Decimal("5.00"), balance=Decimal("100.00"), smdp_url=simulator.url
    )


@pytest.fixture
def stock_api(stock: Stock) -> PartnerClient:
    _, key = api_key_create(partner=stock.partner)
    return PartnerClient(key)


@pytest.fixture
def provisioned(stock: Stock) -> Callable[[Order], Order]:
    """Runs an order's provisioning job in process, as the worker would."""

    def run(order: Order) -> Order:
        provisioning_job_run(job_id=ProvisioningJob.objects.get(order=order).pk)
        order.refresh_from_db()
        return order

    return run


@pytest.fixture
def esim(stock: Stock, provisioned: Callable[[Order], Order]) -> Esim:
    """One delivered eSIM of ``stock``'s partner, provisioned on the simulator."""
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="seed"
    )
    return provisioned(order).esims.select_related("profile").get()
