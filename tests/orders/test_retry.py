"""Staff retry of failed provisioning against the simulator: resume or fresh profile, one charge."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Q, Sum
from django.utils import timezone

from coreesim.tasks import TransientError
from orders.choices import EsimStatus, EsimStep, FailureOutcome, OrderStatus
from orders.errors import InsufficientBalance, InvalidEsimState, OutOfStock
from orders.models import Esim, Order
from orders.services import order_place, order_retry, orders_resolve_stuck, provisioning_job_run
from partners.models import LedgerEntry
from partners.services import partner_balance
from profiles.choices import ProfileState
from profiles.models import Profile
from smdp_client.models import Es2Call
from tests.factories.orders import Stock, make_stock

pytestmark = pytest.mark.django_db

STAFF = {"actor": "staff:ann", "reason": "SM-DP+ fixed"}


@pytest.fixture
def stock(simulator) -> Stock:
    return make_stock(
        profiles=3, price=Decimal("5.00"), balance=Decimal("100.00"), smdp_url=simulator.url
    )


def _failed_order(stock: Stock, sim, **fault) -> Order:
    order = order_place(
        partner=stock.partner,
        plan_code=stock.plan.code,
        quantity=1,
        idempotency_key=f"k-{Order.objects.count()}",
    )
    sim.fault(**fault)
    provisioning_job_run(job_id=order.jobs.get().pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    return order


def _retry_and_run(order: Order) -> Order:
    retry = order_retry(order=order, **STAFF)
    provisioning_job_run(job_id=retry.job.pk)
    order.refresh_from_db()
    return order


def _net_charge(order: Order) -> Decimal:
    """What the partner paid for the order in the end: its debits less its refunds."""
    entries = LedgerEntry.objects.filter(
        Q(reference=f"order:{order.pk}") | Q(reference__startswith=f"order:{order.pk}:")
    )
    return -(entries.aggregate(s=Sum("amount"))["s"] or Decimal(0))


def test_a_failed_esim_whose_profile_was_restocked_is_provisioned_again_and_charged_once(
    stock, sim
):
    order = _failed_order(
        stock, sim, function="confirmOrder", action="fail", subjectCode="8.1.1", reasonCode="3.8"
    )
    assert partner_balance(partner=stock.partner) == Decimal("100.00")

    order = _retry_and_run(order)

    esim = order.esims.get()
    assert order.status == OrderStatus.COMPLETED
    assert esim.status == EsimStatus.RELEASED
    assert esim.retries == 1
    assert order.refunded_amount == Decimal("0.00")
    assert partner_balance(partner=stock.partner) == Decimal("95.00")
    assert _net_charge(order) == Decimal("5.00")


def test_a_flagged_profile_stays_quarantined_and_the_esim_gets_a_fresh_one(stock, sim):
    order = _failed_order(
        stock, sim, function="downloadOrder", action="fail", subjectCode="8.2.1", reasonCode="3.9"
    )
    bad_iccid = order.esims.get().iccid

    order = _retry_and_run(order)

    esim = order.esims.select_related("profile").get()
    assert esim.status == EsimStatus.RELEASED
    assert esim.iccid != bad_iccid
    assert esim.profile.iccid == esim.iccid
    bad = Profile.objects.get(iccid=bad_iccid)
    assert bad.state == ProfileState.ERROR
    assert not Esim.objects.filter(profile=bad).exists()


def test_an_esim_given_up_for_lack_of_an_answer_resumes_its_own_profile_at_its_step(stock, sim):
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="stuck"
    )
    sim.fault(function="confirmOrder", action="http_error", status=503)
    with pytest.raises(TransientError):
        provisioning_job_run(job_id=order.jobs.get().pk)
    orders_resolve_stuck(now=timezone.now() + timedelta(hours=7))
    esim = order.esims.get()
    assert (esim.failure_outcome, esim.step) == (
        FailureOutcome.QUARANTINED,
        EsimStep.DOWNLOAD_ORDERED,
    )

    retry = order_retry(order=order, **STAFF)
    assert retry.resumed == [esim.iccid]
    provisioning_job_run(job_id=retry.job.pk)

    esim.refresh_from_db()
    assert esim.status == EsimStatus.RELEASED
    assert esim.profile.iccid == esim.iccid
    assert Es2Call.objects.filter(iccid=esim.iccid, function="downloadOrder").count() == 1
    assert _net_charge(order) == Decimal("5.00")


def test_a_retry_that_fails_again_is_refunded_again(stock, sim):
    fault = {
        "function": "confirmOrder",
        "action": "fail",
        "subjectCode": "8.1.1",
        "reasonCode": "3.8",
    }
    order = _failed_order(stock, sim, **fault)
    sim.fault(**fault)

    order = _retry_and_run(order)

    assert order.status == OrderStatus.FAILED
    assert order.refunded_amount == Decimal("5.00")
    assert partner_balance(partner=stock.partner) == Decimal("100.00")
    assert _net_charge(order) == Decimal("0.00")


def test_retrying_twice_gives_one_profile_and_one_charge(stock, sim):
    order = _failed_order(
        stock, sim, function="confirmOrder", action="fail", subjectCode="8.1.1", reasonCode="3.8"
    )

    order_retry(order=order, **STAFF)
    order_retry(order=order, **STAFF)

    esim = order.esims.get()
    assert esim.retries == 1
    assert Profile.objects.filter(state=ProfileState.RESERVED).count() == 1
    assert partner_balance(partner=stock.partner) == Decimal("95.00")


def test_retry_without_stock_changes_nothing(stock, sim):
    order = _failed_order(
        stock, sim, function="downloadOrder", action="fail", subjectCode="8.2.1", reasonCode="3.9"
    )
    Profile.objects.filter(state=ProfileState.AVAILABLE).update(state=ProfileState.RETIRED)

    with pytest.raises(OutOfStock):
        order_retry(order=order, **STAFF)

    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert order.esims.get().status == EsimStatus.FAILED
    assert partner_balance(partner=stock.partner) == Decimal("100.00")


def test_retry_without_balance_changes_nothing(stock, sim):
    order = _failed_order(
        stock, sim, function="confirmOrder", action="fail", subjectCode="8.1.1", reasonCode="3.8"
    )
    from partners.services import ledger_debit

    ledger_debit(partner=stock.partner, amount=Decimal("100.00"), reference="spent")

    with pytest.raises(InsufficientBalance):
        order_retry(order=order, **STAFF)

    assert order.esims.get().status == EsimStatus.FAILED
    assert not Profile.objects.filter(state=ProfileState.RESERVED).exists()


def test_a_completed_order_has_nothing_to_retry(stock, sim):
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="fine"
    )
    provisioning_job_run(job_id=order.jobs.get().pk)

    with pytest.raises(InvalidEsimState):
        order_retry(order=order, **STAFF)
