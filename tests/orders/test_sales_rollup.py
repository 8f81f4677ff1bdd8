"""The dashboard's sales rollup (SalesDay) always equals the aggregate over the orders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from orders.choices import OrderStatus
from orders.models import Order, SalesDay
from orders.services import order_place, order_retry, order_settle, orders_resolve_stuck
from tests.factories.orders import Stock, make_stock

pytestmark = pytest.mark.django_db


def _rollup() -> dict[tuple, tuple[int, Decimal]]:
    rows = (
        SalesDay.objects.values("day", "partner_id", "currency")
        .annotate(n=Sum("orders"), revenue=Sum("revenue"))
        .filter(n__gt=0)
    )
    return {(r["day"], r["partner_id"], r["currency"]): (r["n"], r["revenue"]) for r in rows}


def _from_orders() -> dict[tuple, tuple[int, Decimal]]:
    rows = (
        Order.objects.exclude(status=OrderStatus.FAILED)
        .annotate(day=TruncDate("created_at"))
        .values("day", "partner_id", "currency")
        .annotate(n=Count("id"), revenue=Sum("total_price"))
    )
    return {(r["day"], r["partner_id"], r["currency"]): (r["n"], r["revenue"]) for r in rows}


def _place(stock: Stock, quantity: int = 1) -> Order:
    return order_place(
        partner=stock.partner,
        plan_code=stock.plan.code,
        quantity=quantity,
        idempotency_key=f"k-{Order.objects.count()}",
    )


@pytest.fixture
def stock() -> Stock:
    return make_stock(profiles=6, price=Decimal("5.00"), balance=Decimal("100.00"))


def test_a_placed_order_counts_on_its_day_for_its_total(stock):
    _place(stock, quantity=2)

    assert _rollup() == {(timezone.now().date(), stock.partner.pk, "USD"): (1, Decimal("10.00"))}


def test_a_failed_order_stops_counting_and_a_retry_counts_it_again(stock):
    kept, given_up = _place(stock), _place(stock)
    Order.objects.filter(pk=kept.pk).update(status=OrderStatus.COMPLETED)
    orders_resolve_stuck(now=timezone.now() + timedelta(hours=7))
    assert list(_rollup().values()) == [(1, Decimal("5.00"))]
    assert _rollup() == _from_orders()

    order_retry(order=given_up, actor="staff:ann", reason="again")

    assert list(_rollup().values()) == [(2, Decimal("10.00"))]
    assert _rollup() == _from_orders()


def test_settling_an_order_leaves_the_figures_alone(stock):
    order = _place(stock)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.COMPLETED)
    order_settle(order_id=order.pk)

    assert (
        _rollup()
        == _from_orders()
        == {(timezone.now().date(), stock.partner.pk, "USD"): (1, Decimal("5.00"))}
    )


def test_an_order_moved_to_another_day_moves_its_figures(stock):
    order = _place(stock)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=3))

    assert _rollup() == _from_orders()
    assert [day for day, _partner, _cur in _rollup()] == [
        (timezone.now() - timedelta(days=3)).date()
    ]


def test_many_orders_of_one_partner_on_one_day_spread_over_the_slots(stock):
    for _ in range(5):
        _place(stock)

    assert SalesDay.objects.filter(orders__gt=0).count() == 5
    assert _rollup() == _from_orders()
