"""Domain events become the partner's webhook messages, written in the event's own transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from orders.models import Esim, Order
from orders.services import esim_resume, esim_suspend, order_place
from orders.signals import esim_changed
from partners.services import ledger_credit
from partners.webhooks import services as webhooks
from partners.webhooks.models import WebhookDelivery
from profiles.choices import EventSource, ProfileState
from profiles.services import profile_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(stock):
    endpoint, _ = webhooks.webhook_endpoint_create(
        partner=stock.partner, url="https://hooks.example.com/h"
    )
    return endpoint


def _events() -> list[str]:
    return list(WebhookDelivery.objects.order_by("id").values_list("event_type", flat=True))


def test_a_completed_order_owes_order_completed(
    stock, endpoint, provisioned, django_capture_on_commit_callbacks
) -> None:
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="k"
    )
    with django_capture_on_commit_callbacks(execute=True):
        provisioned(order)
    assert "order.completed" in _events()
    payload = WebhookDelivery.objects.get(event_type="order.completed").payload
    assert payload["data"]["order_id"] == order.pk
    assert payload["data"]["esims"][0]["status"] == "released"


def test_a_failed_order_owes_order_failed(
    stock, endpoint, provisioned, simulator, django_capture_on_commit_callbacks
) -> None:
    stock.server.base_url = "http://127.0.0.1:9"
    stock.server.save()
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="k"
    )
    from orders.services import esim_fail, order_settle

    with django_capture_on_commit_callbacks(execute=True):
        esim_fail(esim=order.esims.get(), error="8.1.1/3.8 refused")
        order_settle(order_id=order.pk)
    assert Order.objects.get(pk=order.pk).status == "failed"
    assert "order.failed" in _events()


def test_suspend_and_resume_owe_their_events(
    esim, endpoint, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        esim_suspend(esim=esim, actor="t", reason="t", source=EventSource.API)
    with django_capture_on_commit_callbacks(execute=True):
        esim_resume(esim=esim, actor="t", reason="t", source=EventSource.API)
    assert _events()[-2:] == ["esim.suspended", "esim.resumed"]
    assert WebhookDelivery.objects.last().payload["data"]["iccid"] == esim.iccid


@pytest.mark.parametrize(
    ("state", "event"),
    [(ProfileState.DOWNLOADED, "esim.downloaded"), (ProfileState.INSTALLED, "esim.installed")],
)
def test_device_progress_owes_esim_events(
    esim, endpoint, state, event, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        profile_transition(
            profile=esim.profile,
            to_state=state,
            source=EventSource.ES2PLUS,
            actor="sim",
            reason="notification",
            payload={},
        )
    assert _events()[-1] == event


def test_another_partners_endpoint_gets_nothing(
    esim, other_partner, django_capture_on_commit_callbacks
) -> None:
    webhooks.webhook_endpoint_create(partner=other_partner, url="https://other.example.com/h")
    with django_capture_on_commit_callbacks(execute=True):
        esim_suspend(esim=esim, actor="t", reason="t", source=EventSource.API)
    assert not WebhookDelivery.objects.filter(partner=other_partner).exists()


def test_an_unsubscribed_event_owes_nothing(stock, esim, django_capture_on_commit_callbacks):
    webhooks.webhook_endpoint_create(
        partner=stock.partner, url="https://h.example.com/x", event_types=["order.completed"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        esim_suspend(esim=esim, actor="t", reason="t", source=EventSource.API)
    assert _events() == []


def test_an_order_that_takes_the_balance_below_the_threshold_owes_balance_low(
    stock, stock_api, endpoint, settings
) -> None:
    settings.WEBHOOK_BALANCE_LOW_THRESHOLD = "92.00"
    stock_api.post("/api/v1/orders", {"plan": stock.plan.code})
    assert "balance.low" not in _events()
    stock_api.post("/api/v1/orders", {"plan": stock.plan.code})
    assert _events().count("balance.low") == 1
    low = WebhookDelivery.objects.get(event_type="balance.low").payload["data"]
    assert low == {"available": "90.00", "threshold": "92.00", "currency": "USD"}


def test_balance_low_is_owed_once_per_dip(stock, stock_api, endpoint, settings) -> None:
    settings.WEBHOOK_BALANCE_LOW_THRESHOLD = "99.00"
    for _ in range(3):
        stock_api.post("/api/v1/orders", {"plan": stock.plan.code})
    assert _events().count("balance.low") == 1
    ledger_credit(partner=stock.partner, amount=Decimal("50.00"), kind="topup", reference="t")
    settings.WEBHOOK_BALANCE_LOW_THRESHOLD = "140.00"
    stock_api.post("/api/v1/orders", {"plan": stock.plan.code})
    assert _events().count("balance.low") == 2


def test_the_delivery_row_is_written_before_the_event_commits(
    esim, endpoint, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        esim_suspend(esim=esim, actor="t", reason="t", source=EventSource.API)
        assert _events() == ["esim.suspended"]


def test_an_event_rolled_back_leaves_no_delivery(esim, endpoint) -> None:
    def suspend_then_give_up() -> None:
        with transaction.atomic():
            esim_suspend(esim=esim, actor="t", reason="t", source=EventSource.API)
            raise RuntimeError("caller gives up")

    with pytest.raises(RuntimeError, match="caller gives up"):
        suspend_then_give_up()

    assert _events() == []
    assert Esim.objects.get(pk=esim.pk).status == esim.status


def test_a_failing_receiver_rolls_back_the_event_and_its_delivery(esim, endpoint) -> None:
    def refuse(sender, **kwargs):
        raise RuntimeError("receiver failed")

    esim_changed.connect(refuse)
    try:
        with pytest.raises(RuntimeError, match="receiver failed"):
            esim_suspend(esim=esim, actor="t", reason="t", source=EventSource.API)
    finally:
        esim_changed.disconnect(refuse)

    assert _events() == []
    assert Esim.objects.get(pk=esim.pk).status == esim.status
