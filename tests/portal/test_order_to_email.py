"""From a partner's order to the traveler's inbox: the whole path, no shortcut.

``order_place`` commits, a real worker provisions the eSIM against the built-in SM-DP+
simulator over HTTP, the orders app announces ``esim_released``, the portal queues the
"eSIM ready" email and the worker sends it; the QR inside it must scan to the activation
code the SM-DP+ released.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core import mail

from coreesim.secrets import reveal
from orders.portal.emails import QR_CONTENT_ID
from orders.services import order_place
from smdp_client.simulator.server import Simulator, SimulatorConfig
from tests.factories.orders import make_stock
from tests.portal.mail_parts import decode_cid_qr, parse, text_of

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    sim = Simulator(SimulatorConfig(seed=11, requester_id="coreesim-test")).start()
    yield sim
    sim.stop()


def test_placed_order_ends_in_an_email_whose_qr_scans_to_the_released_code(
    celery_worker, simulator
):
    stock = make_stock(
        profiles=1, price=Decimal("5.00"), balance=Decimal("50.00"), smdp_url=simulator.url
    )
    order = order_place(
        partner=stock.partner,
        plan_code=stock.plan.code,
        quantity=1,
        idempotency_key="portal-e2e-1",
        traveler_email="traveler@example.com",
        reference="RCPT-1",
    )
    deadline = time.monotonic() + 60
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert mail.outbox, "no email reached the outbox within 60 s"
    esim = order.esims.get()
    code = reveal(esim.activation_code)
    parsed = parse(mail.outbox[0])
    assert mail.outbox[0].to == ["traveler@example.com"]
    assert decode_cid_qr(parsed, QR_CONTENT_ID) == code
    assert code in text_of(parsed, "text/plain")
