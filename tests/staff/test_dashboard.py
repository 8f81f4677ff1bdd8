"""The dashboard shows each role the panels it may see, with today's numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coreesim.staff.choices import Role
from orders.choices import OrderStatus
from tests.factories.orders import make_delivered_esim, make_stock

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [p.title for p in response.context["panels"]]


def test_an_administrator_sees_every_panel(make_staff, client_for):
    response = client_for(make_staff(Role.ADMINISTRATOR)).get("/staff/")
    assert _titles(response) == [
        "Sales",
        "Needs a human",
        "Stock",
        "SM-DP+ health",
        "Webhooks (24 h)",
    ]
    assert b"<svg" in response.content
    assert b"<script>" not in response.content


@pytest.mark.parametrize(
    ("role", "titles"),
    [
        (Role.INVENTORY, ["Stock", "SM-DP+ health"]),
        (Role.FINANCE, ["Sales", "Needs a human", "Webhooks (24 h)"]),
        (Role.SUPPORT, ["Sales", "Needs a human", "Stock", "Webhooks (24 h)"]),
    ],
)
def test_each_role_sees_its_panels(make_staff, client_for, role, titles):
    assert _titles(client_for(make_staff(role)).get("/staff/")) == titles


def test_todays_orders_and_revenue_are_counted(make_staff, client_for):
    make_delivered_esim(make_stock(profiles=2, price=Decimal("7.50"), balance=Decimal("100")))
    response = client_for(make_staff(Role.FINANCE)).get("/staff/")
    today = response.context["panels"][0]
    assert b'data-orders="Today">1<' in today.html.encode()
    assert b"7.50 USD" in today.html.encode()


def test_a_stuck_order_is_listed_as_needing_a_human(make_staff, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from orders.models import Order

    esim = make_delivered_esim(make_stock(profiles=1, price=Decimal("5"), balance=Decimal("50")))
    Order.objects.filter(pk=esim.order_id).update(
        status=OrderStatus.PROVISIONING, created_at=timezone.now() - timedelta(hours=1)
    )
    response = client_for(make_staff(Role.SUPPORT)).get("/staff/")
    assert f"order #{esim.order_id}".encode() in response.content


def test_a_quarantined_profile_is_listed_as_needing_a_human(make_staff, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from orders.services import order_place, orders_resolve_stuck

    stock = make_stock(profiles=1, price=Decimal("5"), balance=Decimal("50"))
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="q"
    )
    orders_resolve_stuck(now=timezone.now() + timedelta(hours=7))
    response = client_for(make_staff(Role.SUPPORT)).get("/staff/")
    assert b"failed, profile quarantined" in response.content
    assert order.esims.get().iccid.encode() in response.content


def test_an_account_manager_sees_only_assigned_partners_sales(make_staff, client_for):
    from partners.staff.access import account_manager_assign

    mine = make_delivered_esim(make_stock(profiles=1, price=Decimal("3"), balance=Decimal("9")))
    make_delivered_esim(make_stock(profiles=1, price=Decimal("4"), balance=Decimal("9")))
    manager = make_staff(Role.ACCOUNT_MANAGER)
    account_manager_assign(partner=mine.order.partner, user=manager)
    sales = client_for(manager).get("/staff/").context["panels"][0].html
    assert 'data-orders="Today">1<' in sales
    assert "3.00 USD" in sales
