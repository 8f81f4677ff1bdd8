"""POST/GET orders: placing, refusals as problems, replay, filters, query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F

from coreesim.models import IdempotencyRecord
from orders.models import Esim, Order
from partners.models import LedgerEntry
from partners.services import partner_balance, price_override_set
from tests.factories.profiles import PlanFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders"


def _order(stock, **extra):
    return {"plan": stock.plan.code, "quantity": 1, **extra}


def test_placing_an_order_answers_201_with_the_order_and_charges(stock, stock_api) -> None:
    response = stock_api.post(URL, _order(stock, quantity=2, reference="booking-1"))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "provisioning"
    assert body["total_price"] == "10.00"
    assert body["reference"] == "booking-1"
    assert len(body["esims"]) == 2
    assert response["Location"].endswith(f"/api/v1/orders/{body['id']}")
    assert partner_balance(partner=stock.partner) == Decimal("90.00")


def test_the_travelers_language_is_kept_with_the_order(stock, stock_api) -> None:
    response = stock_api.post(URL, _order(stock, traveler_language="de"))

    assert response.status_code == 201
    assert response.json()["traveler_language"] == "de"


def test_a_language_we_do_not_write_in_is_400_and_places_nothing(stock, stock_api) -> None:
    response = stock_api.post(URL, _order(stock, traveler_language="xx"))

    assert response.status_code == 400
    assert "traveler_language" in response.text
    assert not Order.objects.exists()


def test_a_retried_order_is_replayed_not_placed_twice(stock, stock_api) -> None:
    first = stock_api.post(URL, _order(stock), idempotency_key="order-1")
    second = stock_api.post(URL, _order(stock), idempotency_key="order-1")
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert partner_balance(partner=stock.partner) == Decimal("95.00")


def _a_day_passes() -> None:
    """Age every order and stored answer by 25 hours: the keys' 24 hours are over."""
    day = timedelta(hours=25)
    Order.objects.update(created_at=F("created_at") - day)
    IdempotencyRecord.objects.update(expires_at=F("expires_at") - day)


def test_an_order_key_reused_after_24_hours_is_422_and_places_nothing(stock, stock_api) -> None:
    first = stock_api.post(URL, _order(stock, reference="r1"), idempotency_key="order-1")
    _a_day_passes()

    again = stock_api.post(URL, _order(stock, reference="r2"), idempotency_key="order-1")

    assert again.status_code == 422
    assert again.json()["code"] == "idempotency_conflict"
    assert f"order {first.json()['id']}" in again.json()["detail"]
    assert Order.objects.count() == 1
    assert partner_balance(partner=stock.partner) == Decimal("95.00")


def test_a_free_plan_is_ordered_without_posting_a_charge(stock, stock_api) -> None:
    price_override_set(partner=stock.partner, plan=stock.plan, price=Decimal("0"))

    response = stock_api.post(URL, _order(stock, quantity=2))

    assert response.status_code == 201
    assert response.json()["total_price"] == "0.00"
    assert not LedgerEntry.objects.filter(kind="order_debit").exists()
    assert partner_balance(partner=stock.partner) == Decimal("100.00")


def test_cancelling_a_free_esim_posts_no_refund(stock, stock_api, provisioned) -> None:
    price_override_set(partner=stock.partner, plan=stock.plan, price=Decimal("0"))
    provisioned(Order.objects.get(pk=stock_api.post(URL, _order(stock)).json()["id"]))
    iccid = Esim.objects.get().iccid

    response = stock_api.post(f"/api/v1/esims/{iccid}/cancel", {})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert not LedgerEntry.objects.filter(kind="refund").exists()


def test_an_unknown_plan_is_422_plan_not_allowed(stock_api) -> None:
    response = stock_api.post(URL, {"plan": "no-such-plan"})
    assert response.status_code == 422
    assert response.json()["code"] == "plan_not_allowed"


def test_a_plan_not_granted_is_422_plan_not_allowed(stock_api) -> None:
    response = stock_api.post(URL, {"plan": PlanFactory().code})
    assert response.json()["code"] == "plan_not_allowed"


def test_more_than_the_stock_is_409_out_of_stock(stock, stock_api) -> None:
    response = stock_api.post(URL, _order(stock, quantity=6))
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert partner_balance(partner=stock.partner) == Decimal("100.00")


def test_more_than_the_balance_is_402_insufficient_balance(stock, stock_api) -> None:
    stock.plan.retail_price = Decimal("60.00")
    stock.plan.save()
    response = stock_api.post(URL, _order(stock, quantity=2))
    assert response.status_code == 402
    assert response.json()["code"] == "insufficient_balance"


def test_a_bad_quantity_or_eid_is_400_with_field_errors(stock, stock_api) -> None:
    response = stock_api.post(URL, _order(stock, quantity=0, eid="123"))
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"quantity", "eid"}


def test_an_order_is_fetched_by_id(stock, stock_api) -> None:
    created = stock_api.post(URL, _order(stock)).json()
    fetched = stock_api.get(f"{URL}/{created['id']}").json()
    assert fetched == created


def test_an_order_completes_once_provisioned(stock, stock_api, provisioned) -> None:
    created = stock_api.post(URL, _order(stock)).json()
    provisioned(Order.objects.get(pk=created["id"]))
    body = stock_api.get(f"{URL}/{created['id']}").json()
    assert body["status"] == "completed"
    assert body["esims"][0]["status"] == "released"


def test_orders_filter_by_reference_and_status(stock, stock_api) -> None:
    stock_api.post(URL, _order(stock, reference="a"))
    stock_api.post(URL, _order(stock, reference="b"))
    found = stock_api.get(f"{URL}?reference=b").json()["results"]
    assert [o["reference"] for o in found] == ["b"]
    assert len(stock_api.get(f"{URL}?status=provisioning").json()["results"]) == 2
    assert stock_api.get(f"{URL}?status=completed").json()["results"] == []


def test_orders_filter_by_date_range(stock, stock_api) -> None:
    stock_api.post(URL, _order(stock))
    assert stock_api.get(f"{URL}?created_after=2100-01-01T00:00:00Z").json()["results"] == []
    assert len(stock_api.get(f"{URL}?created_before=2100-01-01T00:00:00Z").json()["results"]) == 1


def test_order_list_query_count_does_not_grow_with_orders(
    stock, stock_api, django_assert_max_num_queries
) -> None:
    for _ in range(5):
        stock_api.post(URL, _order(stock))
    with django_assert_max_num_queries(7):
        assert len(stock_api.get(URL).json()["results"]) == 5
