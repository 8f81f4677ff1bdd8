"""The ES2+ pipeline against the built-in SM-DP+ simulator over real HTTP (no worker here)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coreesim.tasks import TransientError
from orders.activation import activation_code_parse
from orders.choices import EsimStatus, EsimStep, FailureOutcome, JobStatus, OrderStatus
from orders.models import Esim, Order, ProvisioningJob
from orders.services import order_place, orders_resolve_stuck, provisioning_job_run
from partners.services import partner_balance
from profiles.choices import ProfileState
from profiles.models import ProfileEvent
from smdp_client.choices import CallOutcome
from smdp_client.models import Es2Call, SmdpServer
from tests.factories.orders import Stock, make_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(simulator) -> Stock:
    return make_stock(
        profiles=4, price=Decimal("5.00"), balance=Decimal("100.00"), smdp_url=simulator.url
    )


def _order(stock: Stock, quantity: int = 1, **kwargs) -> Order:
    return order_place(
        partner=stock.partner,
        plan_code=stock.plan.code,
        quantity=quantity,
        idempotency_key=f"k-{quantity}-{Order.objects.count()}",
        **kwargs,
    )


def _run(order: Order) -> Order:
    provisioning_job_run(job_id=ProvisioningJob.objects.get(order=order).pk)
    order.refresh_from_db()
    return order


def test_provisioned_order_is_completed_with_an_activation_code_per_esim(stock, sim) -> None:
    order = _run(_order(stock, quantity=2))

    assert order.status == OrderStatus.COMPLETED
    for esim in order.esims.select_related("profile"):
        assert esim.status == EsimStatus.RELEASED
        assert esim.profile.state == ProfileState.RELEASED
        code = activation_code_parse(esim.activation_code.reveal())
        assert code.smdp_address == esim.smdp_address == stock.server.smdp_address
        assert code.matching_id == esim.profile.matching_id.reveal()
        assert not code.confirmation_required
        assert sim.state(esim.iccid) == "Released"
    assert ProvisioningJob.objects.get(order=order).status == JobStatus.DONE


def test_activation_code_is_encrypted_at_rest(stock, sim) -> None:
    from django.db import connection

    order = _run(_order(stock))
    esim = order.esims.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT activation_code FROM orders_esim WHERE id = %s", [esim.pk])
        stored = cursor.fetchone()[0]
    assert esim.activation_code.reveal() not in stored
    assert "LPA:" not in stored


def test_profile_with_a_confirmation_code_gets_the_confirmation_flag(stock, sim) -> None:
    stock.set_confirmation_code("1234")

    esim = _run(_order(stock)).esims.get()

    assert esim.activation_code.reveal().endswith("$$1")
    assert esim.confirmation_required


def test_server_with_an_oid_puts_it_in_the_code(stock, sim) -> None:
    stock.server.smdp_oid = "1.3.6.1.4.1.31746"
    stock.server.save()

    esim = _run(_order(stock)).esims.get()

    assert activation_code_parse(esim.activation_code.reveal()).oid == "1.3.6.1.4.1.31746"


def test_eid_of_the_order_is_sent_to_the_smdp(stock, sim) -> None:
    eid = "89049032123456789012345678901234"

    _run(_order(stock, eid=eid))

    call = Es2Call.objects.get(function="downloadOrder")
    assert call.eid == eid


def test_unknown_iccid_at_the_smdp_fails_the_esim_quarantines_and_refunds(stock, sim) -> None:
    sim.fault(function="downloadOrder", action="fail", subjectCode="8.2.1", reasonCode="3.9")

    order = _run(_order(stock))

    esim = order.esims.get()
    assert order.status == OrderStatus.FAILED
    assert esim.status == EsimStatus.FAILED
    assert esim.failure_code == "8.2.1/3.9"
    assert esim.failure_reason == "injected failure"
    assert esim.failure_outcome == FailureOutcome.QUARANTINED
    assert esim.profile is None
    assert stock.profile_state(esim.iccid) == ProfileState.ERROR
    assert partner_balance(partner=stock.partner) == Decimal("100.00")
    assert order.refunded_amount == Decimal("5.00")


def test_iccid_in_use_at_the_smdp_fails_the_esim_quarantines_and_refunds(stock, sim) -> None:
    sim.fault(function="downloadOrder", action="fail", subjectCode="8.2.1", reasonCode="3.3")

    order = _run(_order(stock))

    esim = order.esims.get()
    assert esim.failure_code == "8.2.1/3.3"
    assert esim.failure_outcome == FailureOutcome.QUARANTINED
    assert stock.profile_state(esim.iccid) == ProfileState.ERROR
    assert partner_balance(partner=stock.partner) == Decimal("100.00")
    assert order.refunded_amount == Decimal("5.00")


def test_smdp_message_is_kept_on_the_esim_redacted_like_the_call_log(stock, sim) -> None:
    sim.fault(
        function="confirmOrder",
        action="fail",
        subjectCode="8.2.6",
        reasonCode="3.3",
        message="matchingId: K2H3-7QW9-ZX4M already in use by LPA:1$smdp.example$K2H3-7QW9-ZX4M",
    )

    esim = _run(_order(stock)).esims.get()

    assert "K2H3-7QW9-ZX4M" not in esim.failure_reason
    assert esim.failure_reason == Es2Call.objects.get(function="confirmOrder").message
    history = ProfileEvent.objects.filter(profile__iccid=esim.iccid)
    assert "K2H3-7QW9-ZX4M" not in str(list(history.values_list("reason", "payload")))


def test_refusal_after_download_cancels_at_the_smdp_and_restocks(stock, sim) -> None:
    sim.fault(function="confirmOrder", action="fail", subjectCode="8.1.1", reasonCode="3.8")

    order = _run(_order(stock))

    esim = order.esims.get()
    assert esim.failure_outcome == FailureOutcome.RESTOCKED
    assert stock.profile_state(esim.iccid) == ProfileState.AVAILABLE
    assert Es2Call.objects.filter(function="cancelOrder", iccid=esim.iccid).exists()


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ({"enabled": False}, "is disabled"),
        ({"allow_plain_http": False}, "plain http:// is refused"),
    ],
)
def test_a_call_that_never_left_fails_the_esim_and_returns_the_profile_to_stock(
    stock, sim, broken, reason
) -> None:
    SmdpServer.objects.filter(pk=stock.server.pk).update(**broken)

    order = _run(_order(stock))

    esim = order.esims.get()
    assert order.status == OrderStatus.FAILED
    assert esim.failure_code == "protocol"
    assert reason in esim.failure_reason
    assert esim.failure_outcome == FailureOutcome.RESTOCKED
    assert stock.profile_state(esim.iccid) == ProfileState.AVAILABLE
    assert sim.state(esim.iccid) == "Available"
    assert Es2Call.objects.get().outcome == CallOutcome.NOT_SENT
    assert order.refunded_amount == Decimal("5.00")


def test_a_call_that_never_left_quarantines_a_profile_an_earlier_lost_download_may_hold(
    stock, sim
) -> None:
    order = _order(stock)
    sim.fault(function="downloadOrder", action="drop")
    with pytest.raises(TransientError):
        _run(order)
    SmdpServer.objects.filter(pk=stock.server.pk).update(enabled=False)

    order = _run(order)

    esim = order.esims.get()
    assert esim.step == EsimStep.NONE
    assert esim.failure_outcome == FailureOutcome.QUARANTINED
    assert stock.profile_state(esim.iccid) == ProfileState.ERROR
    assert sim.state(esim.iccid) == "Allocated"


def test_one_failed_esim_of_two_makes_the_order_partially_completed(stock, sim) -> None:
    sim.fault(function="confirmOrder", action="fail", subjectCode="8.1.1", reasonCode="3.8")

    order = _run(_order(stock, quantity=2))

    assert order.status == OrderStatus.PARTIALLY_COMPLETED
    assert sorted(order.esims.values_list("status", flat=True)) == [
        EsimStatus.FAILED,
        EsimStatus.RELEASED,
    ]
    assert partner_balance(partner=stock.partner) == Decimal("95.00")


def test_transport_failure_is_retryable_and_the_retry_resumes(stock, sim) -> None:
    order = _order(stock)
    sim.fault(function="confirmOrder", action="http_error", status=503)

    with pytest.raises(TransientError):
        _run(order)

    esim = order.esims.get()
    assert esim.status == EsimStatus.PROVISIONING
    assert esim.step == EsimStep.DOWNLOAD_ORDERED
    assert esim.lease_until is None
    assert _run(order).status == OrderStatus.COMPLETED
    assert Es2Call.objects.filter(function="downloadOrder").count() == 1


def test_running_a_finished_job_again_calls_nothing(stock, sim) -> None:
    order = _run(_order(stock))
    calls = Es2Call.objects.count()

    _run(order)

    assert Es2Call.objects.count() == calls


def test_esim_leased_by_another_worker_is_left_alone(stock, sim) -> None:
    order = _order(stock)
    Esim.objects.filter(order=order).update(lease_until=timezone.now() + timedelta(minutes=5))

    assert _run(order).status == OrderStatus.PROVISIONING
    assert not Es2Call.objects.exists()
    assert ProvisioningJob.objects.get(order=order).status == JobStatus.PENDING


def test_stuck_order_is_resolved_failed_quarantined_and_refunded(stock) -> None:
    order = _order(stock)
    later = timezone.now() + timedelta(hours=7)

    assert orders_resolve_stuck(now=later) == 1

    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    esim = order.esims.get()
    assert esim.failure_outcome == FailureOutcome.QUARANTINED
    assert partner_balance(partner=stock.partner) == Decimal("100.00")
    assert ProvisioningJob.objects.get(order=order).status == JobStatus.DONE


def test_recent_order_is_not_stuck(stock) -> None:
    _order(stock)

    assert orders_resolve_stuck() == 0
