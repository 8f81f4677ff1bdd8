"""The balance and its ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partners.choices import LedgerKind
from partners.services import ledger_credit, ledger_debit

pytestmark = pytest.mark.django_db


def test_balance_shows_balance_credit_limit_and_available(api, partner) -> None:
    partner.credit_limit = Decimal("50.00")
    partner.save()
    assert api.get("/api/v1/balance").json() == {
        "balance": "100.00",
        "credit_limit": "50.00",
        "available": "150.00",
        "currency": "USD",
    }


def test_transactions_are_listed_newest_first(api, partner) -> None:
    ledger_debit(partner=partner, amount=Decimal("5.00"), reference="order:1")
    ledger_credit(partner=partner, amount=Decimal("5.00"), reference="order:1")
    results = api.get("/api/v1/balance/transactions").json()["results"]
    assert [(r["kind"], r["amount"]) for r in results] == [
        ("refund", "5.00"),
        ("order_debit", "-5.00"),
        ("topup", "100.00"),
    ]


def test_transactions_filter_by_kind(api, partner) -> None:
    ledger_debit(partner=partner, amount=Decimal("5.00"), reference="order:1")
    results = api.get(f"/api/v1/balance/transactions?kind={LedgerKind.ORDER_DEBIT}").json()
    assert [r["reference"] for r in results["results"]] == ["order:1"]


def test_transactions_paginate_with_a_stable_cursor(api, partner) -> None:
    for n in range(5):
        ledger_debit(partner=partner, amount=Decimal("1.00"), reference=f"order:{n}")
    first = api.get("/api/v1/balance/transactions?limit=4").json()
    second = api.get(first["next"]).json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(ids) == 6
    assert len(set(ids)) == 6
    assert second["next"] is None


def test_transaction_list_query_count_is_bounded(
    api, partner, django_assert_max_num_queries
) -> None:
    for n in range(30):
        ledger_debit(partner=partner, amount=Decimal("1.00"), reference=f"order:{n}")
    with django_assert_max_num_queries(6):
        api.get("/api/v1/balance/transactions")
