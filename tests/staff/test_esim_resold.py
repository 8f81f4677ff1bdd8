"""A cancelled profile goes back to stock and is sold again: each eSIM's page shows only what
happened while that eSIM held it, never the other owner's device, reasons or order."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django_redis import get_redis_connection

from coreesim.staff.choices import Role
from orders.models import Esim, ProvisioningJob
from orders.services import order_place, provisioning_job_run
from partners.staff.access import account_manager_assign
from smdp_client.classification import forget_cached_rules
from smdp_client.simulator.server import Simulator, SimulatorConfig
from tests.factories.orders import Stock, make_stock
from tests.factories.partners import PartnerFactory

pytestmark = pytest.mark.django_db

EID_A = "89049032000000000000000000001234"
EID_B = "89049032000000000000000000005678"


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    for key in get_redis_connection("default").scan_iter("coreesim:es2:*"):
        get_redis_connection("default").delete(key)
    forget_cached_rules()
    sim = Simulator(SimulatorConfig(seed=11, requester_id="coreesim-test")).start()
    yield sim
    sim.stop()
    forget_cached_rules()


@pytest.fixture
def stock(simulator: Simulator) -> Stock:
    return make_stock(
        profiles=1, price=Decimal("5.00"), balance=Decimal("100"), smdp_url=simulator.url
    )


def _sell(stock: Stock, partner, eid: str) -> Esim:
    order = order_place(
        partner=partner, plan_code=stock.plan.code, quantity=1, idempotency_key=eid, eid=eid
    )
    provisioning_job_run(job_id=ProvisioningJob.objects.get(order=order).pk)
    return order.esims.get()


@pytest.fixture
def resold(stock: Stock, make_staff, client_for) -> tuple[Esim, Esim]:
    """Partner A's eSIM, cancelled by staff with a reason, and partner B's on the same profile."""
    first = _sell(stock, stock.partner, EID_A)
    admin = client_for(make_staff(Role.ADMINISTRATOR))
    admin.post(f"/staff/orders/esims/{first.pk}/cancel/", {"reason": "traveler Ann Smith asked"})
    second = _sell(stock, PartnerFactory(plans=[stock.plan], balance=Decimal("100")), EID_B)
    assert second.iccid == first.iccid
    return first, second


def _page(client, esim: Esim) -> str:
    response = client.get(f"/staff/orders/esims/{esim.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_new_owners_page_shows_nothing_of_the_earlier_owner(make_staff, client_for, resold):
    first, second = resold
    manager = make_staff(Role.ACCOUNT_MANAGER)
    account_manager_assign(partner=second.order.partner, user=manager)

    page = _page(client_for(manager), second)

    assert EID_A not in page
    assert "Ann Smith" not in page
    assert f"order {first.order_id}" not in page
    assert EID_B in page
    assert "available → reserved" in page


def test_the_earlier_owners_page_keeps_its_history_without_the_new_owners(
    make_staff, client_for, resold
):
    first, _ = resold

    page = _page(client_for(make_staff(Role.ADMINISTRATOR)), first)

    assert EID_A in page
    assert "Ann Smith" in page
    assert EID_B not in page
