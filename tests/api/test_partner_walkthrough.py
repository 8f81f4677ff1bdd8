"""A partner's whole integration, on a real worker, a real SM-DP+ simulator and a real receiver.

List plans → create a webhook endpoint → order with an Idempotency-Key → receive
``order.completed`` and verify its signature with the independent ``standardwebhooks``
package → fetch the QR → top up → suspend and resume (and get their webhooks) → read the
delivery log and redeliver one message.
"""

from __future__ import annotations

import io
import json
import time
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image
from standardwebhooks import Webhook

from partners.services import api_key_create
from tests.api.conftest import PartnerClient
from tests.factories.orders import make_stock
from tests.partners_webhooks.receiver import Receiver, webhook_receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60


def _wait_for(receiver: Receiver, event_type: str, count: int = 1) -> list[dict]:
    """The verified-shape messages of ``event_type`` once ``count`` of them arrived."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = [r for r in receiver.requests if json.loads(r.body)["type"] == event_type]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    seen = [json.loads(r.body)["type"] for r in receiver.requests]
    raise AssertionError(f"no {event_type} within {WAIT_SECONDS} s; received {seen}")


def test_a_partner_integrates_end_to_end(celery_worker, simulator, settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    stock = make_stock(
        profiles=3, price=Decimal("5.00"), balance=Decimal("100.00"), smdp_url=simulator.url
    )
    top_up_plan = stock.top_up_plan(price=Decimal("2.00"), data_mb=512, validity_days=7)
    _, key = api_key_create(partner=stock.partner)
    api = PartnerClient(key)

    with webhook_receiver() as receiver:
        endpoint = api.post("/api/v1/webhook-endpoints", {"url": receiver.url}).json()
        verifier = Webhook(endpoint["secret"])

        plans = api.get("/api/v1/plans?type=base").json()["results"]
        assert [p["code"] for p in plans] == [stock.plan.code]

        body = {"plan": plans[0]["code"], "quantity": 1, "reference": "trip-42"}
        placed = api.post("/api/v1/orders", body, idempotency_key="trip-42")
        assert placed.status_code == 201
        retried = api.post("/api/v1/orders", body, idempotency_key="trip-42")
        assert retried["Idempotent-Replayed"] == "true"
        assert retried.json()["id"] == placed.json()["id"]

        (completed,) = _wait_for(receiver, "order.completed")
        message = verifier.verify(completed.body, completed.headers)
        assert message["data"]["order_id"] == placed.json()["id"]
        assert message["data"]["reference"] == "trip-42"

        order = api.get(f"/api/v1/orders/{placed.json()['id']}").json()
        assert order["status"] == "completed"
        iccid = order["esims"][0]["iccid"]
        esim = api.get(f"/api/v1/esims/{iccid}").json()
        qr = api.get(f"/api/v1/esims/{iccid}/qr.png")
        (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.content)))
        assert decoded.text == esim["activation_code"]

        topped = api.post(f"/api/v1/esims/{iccid}/topups", {"plan": top_up_plan.code})
        assert topped.status_code == 201
        assert api.get("/api/v1/balance").json()["balance"] == "93.00"

        assert api.post(f"/api/v1/esims/{iccid}/suspend", {}).json()["profile_state"] == (
            "suspended"
        )
        assert api.post(f"/api/v1/esims/{iccid}/resume", {}).json()["profile_state"] == ("released")
        for event_type in ("esim.suspended", "esim.resumed"):
            (arrived,) = _wait_for(receiver, event_type)
            assert verifier.verify(arrived.body, arrived.headers)["data"]["iccid"] == iccid

        log = api.get("/api/v1/webhook-deliveries?event_type=order.completed").json()["results"]
        assert log[0]["status"] == "succeeded"
        assert log[0]["last_status_code"] == 200
        redelivered = api.post(f"/api/v1/webhook-deliveries/{log[0]['id']}/redeliver")
        assert redelivered.status_code == 202
        first, again = _wait_for(receiver, "order.completed", count=2)
        assert again.headers["webhook-id"] == first.headers["webhook-id"]
        verifier.verify(again.body, again.headers)
