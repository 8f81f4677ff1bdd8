"""Concurrent retries with one Idempotency-Key place one order, never two."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from orders.models import Order
from partners.services import api_key_create, partner_balance
from tests.api.conftest import PartnerClient
from tests.factories.orders import make_stock

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6


def test_simultaneous_retries_place_one_order(simulator) -> None:
    stock = make_stock(
        profiles=5, price=Decimal("5.00"), balance=Decimal("100.00"), smdp_url=simulator.url
    )
    _, key = api_key_create(partner=stock.partner)
    body = {"plan": stock.plan.code, "quantity": 1}
    start = threading.Barrier(THREADS)
    answers: list[tuple[int, dict]] = []

    def retry() -> None:
        client = PartnerClient(key)
        start.wait()
        try:
            response = client.post("/api/v1/orders", body, idempotency_key="same-key")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == THREADS
    assert {status for status, _ in answers} <= {201, 409}
    placed = [body for status, body in answers if status == 201]
    assert placed
    assert all(b == placed[0] for b in placed)
    assert all(b["code"] == "idempotency_in_progress" for s, b in answers if s == 409)
    assert Order.objects.count() == 1
    assert partner_balance(partner=stock.partner) == Decimal("95.00")
