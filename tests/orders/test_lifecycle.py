"""Lifecycle actions on delivered eSIMs, through profile_transition, safe to repeat."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.utils import timezone

from orders.choices import EsimStatus, EsimStep, OrderStatus
from orders.errors import InvalidEsimState
from orders.models import Esim, EsimReissue, ProvisioningJob
from orders.services import (
    esim_cancel,
    esim_reissue,
    esim_resume,
    esim_retire,
    esim_suspend,
    esims_expire,
    order_place,
    orders_resolve_stuck,
    provisioning_job_run,
)
from partners.services import partner_balance
from profiles.choices import EventSource, ProfileState
from profiles.models import ProfileEvent
from profiles.services import profile_transition
from smdp_client.choices import CallOutcome
from smdp_client.models import Es2Call
from tests.factories.orders import Stock, make_stock

pytestmark = pytest.mark.django_db

ACTOR = {"actor": "staff@example.com", "reason": "test"}
# Long enough for the test to act while the simulator holds the answer to a call.
HELD_MS = 1500


def _in_background(pool: ThreadPoolExecutor, work: Callable[[], object]) -> Future[object]:
    """Run ``work`` on its own database connection, as a worker or another staff member."""

    def run() -> object:
        try:
            return work()
        finally:
            connections.close_all()

    return pool.submit(run)


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.05)


@pytest.fixture
def stock(simulator) -> Stock:
    return make_stock(
        profiles=3, price=Decimal("5.00"), balance=Decimal("100.00"), smdp_url=simulator.url
    )


@pytest.fixture
def esim(stock: Stock, sim) -> Esim:
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="k"
    )
    provisioning_job_run(job_id=ProvisioningJob.objects.get(order=order).pk)
    return order.esims.select_related("profile").get()


@pytest.fixture
def install(django_capture_on_commit_callbacks):
    """Move the eSIM's profile as notifications 3 and 4 would, announcing it on commit."""

    def _install(esim: Esim) -> None:
        for state in (ProfileState.DOWNLOADED, ProfileState.INSTALLED):
            with django_capture_on_commit_callbacks(execute=True):
                profile_transition(
                    profile=esim.profile,
                    to_state=state,
                    source=EventSource.ES2PLUS,
                    actor="sim",
                    reason="notification",
                    payload={},
                )
            esim.profile.refresh_from_db()

    return _install


def test_suspend_bars_the_profile_and_writes_an_event(esim: Esim) -> None:
    esim_suspend(esim=esim, **ACTOR)

    esim.profile.refresh_from_db()
    assert esim.profile.state == ProfileState.SUSPENDED
    assert ProfileEvent.objects.filter(
        profile=esim.profile, to_state=ProfileState.SUSPENDED
    ).exists()


def test_suspend_twice_changes_nothing_the_second_time(esim: Esim) -> None:
    esim_suspend(esim=esim, **ACTOR)
    events = ProfileEvent.objects.count()

    esim_suspend(esim=esim, **ACTOR)

    assert ProfileEvent.objects.count() == events


def test_resume_returns_the_profile_to_its_state_before_suspension(esim: Esim, install) -> None:
    install(esim)
    esim_suspend(esim=esim, **ACTOR)

    esim_resume(esim=esim, **ACTOR)

    esim.profile.refresh_from_db()
    assert esim.profile.state == ProfileState.INSTALLED


def test_resume_twice_changes_nothing_the_second_time(esim: Esim) -> None:
    esim_suspend(esim=esim, **ACTOR)
    esim_resume(esim=esim, **ACTOR)
    events = ProfileEvent.objects.count()

    esim_resume(esim=esim, **ACTOR)

    esim.profile.refresh_from_db()
    assert esim.profile.state == ProfileState.RELEASED
    assert ProfileEvent.objects.count() == events


def test_suspend_of_an_esim_still_provisioning_is_refused(stock: Stock) -> None:
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="p"
    )

    with pytest.raises(InvalidEsimState):
        esim_suspend(esim=order.esims.get(), **ACTOR)


def test_cancel_unused_returns_profile_to_stock_and_refunds(esim: Esim, stock: Stock, sim) -> None:
    profile = esim.profile

    esim_cancel(esim=esim, **ACTOR)

    esim.refresh_from_db()
    profile.refresh_from_db()
    assert esim.status == EsimStatus.CANCELLED
    assert esim.profile is None
    assert profile.state == ProfileState.AVAILABLE
    assert partner_balance(partner=stock.partner) == Decimal("100.00")
    call = Es2Call.objects.get(function="cancelOrder")
    assert call.request_body["finalProfileStatusIndicator"] == "Available"


def test_cancel_twice_refunds_once(esim: Esim, stock: Stock) -> None:
    esim_cancel(esim=esim, **ACTOR)
    esim_cancel(esim=esim, **ACTOR)

    assert partner_balance(partner=stock.partner) == Decimal("100.00")


def test_cancel_of_an_installed_esim_is_refused(esim: Esim, install) -> None:
    install(esim)

    with pytest.raises(InvalidEsimState):
        esim_cancel(esim=esim, **ACTOR)
    assert not Es2Call.objects.filter(function="cancelOrder").exists()


def test_a_cancel_the_smdp_refuses_is_reported_with_its_message_redacted(esim: Esim, sim) -> None:
    sim.fault(
        function="cancelOrder",
        action="fail",
        subjectCode="8.9",
        reasonCode="5.1",
        message="cannot cancel LPA:1$smdp.example$K2H3-7QW9-ZX4M",
    )

    with pytest.raises(InvalidEsimState) as refused:
        esim_cancel(esim=esim, **ACTOR)

    assert "8.9/5.1" in str(refused.value)
    assert "K2H3-7QW9-ZX4M" not in str(refused.value)


def test_cancelled_profile_can_be_sold_again(esim: Esim, stock: Stock) -> None:
    profile = esim.profile
    esim_cancel(esim=esim, **ACTOR)

    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=3, idempotency_key="again"
    )

    assert profile.pk in set(order.esims.values_list("profile_id", flat=True))


def test_retire_sends_cancel_unavailable_and_retires_the_profile(esim: Esim) -> None:
    esim_retire(esim=esim, **ACTOR)

    esim.refresh_from_db()
    esim.profile.refresh_from_db()
    assert esim.status == EsimStatus.RETIRED
    assert esim.profile.state == ProfileState.RETIRED
    call = Es2Call.objects.get(function="cancelOrder")
    assert call.request_body["finalProfileStatusIndicator"] == "Unavailable"


def test_retire_of_an_esim_still_provisioning_is_refused_and_changes_nothing(
    stock: Stock, sim
) -> None:
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="p"
    )
    esim = order.esims.select_related("profile").get()

    with pytest.raises(InvalidEsimState, match="only a delivered or expired eSIM"):
        esim_retire(esim=esim, **ACTOR)

    esim.refresh_from_db()
    esim.profile.refresh_from_db()
    assert esim.status == EsimStatus.PROVISIONING
    assert esim.profile.state == ProfileState.RESERVED
    assert not Es2Call.objects.filter(function="cancelOrder").exists()


def test_an_esim_whose_retire_was_refused_while_provisioning_is_delivered_as_paid(
    stock: Stock, sim
) -> None:
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="p"
    )
    with pytest.raises(InvalidEsimState):
        esim_retire(esim=order.esims.get(), **ACTOR)

    provisioning_job_run(job_id=ProvisioningJob.objects.get(order=order).pk)

    order.refresh_from_db()
    esim = order.esims.get()
    assert esim.status == EsimStatus.RELEASED
    assert order.status == OrderStatus.COMPLETED
    assert order.refunded_amount == Decimal("0.00")
    assert partner_balance(partner=stock.partner) == Decimal("95.00")
    assert sim.state(esim.iccid) == "Released"


@pytest.mark.django_db(transaction=True)
def test_a_retire_while_the_worker_is_between_download_and_confirm_is_refused(
    stock: Stock, sim
) -> None:
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="p"
    )
    esim = order.esims.get()
    job = ProvisioningJob.objects.get(order=order)
    sim.fault(function="confirmOrder", action="latency", ms=HELD_MS)

    with ThreadPoolExecutor(max_workers=1) as pool:
        worker = _in_background(pool, lambda: provisioning_job_run(job_id=job.pk))
        _wait_for(lambda: Esim.objects.filter(pk=esim.pk, step=EsimStep.DOWNLOAD_ORDERED).exists())
        with pytest.raises(InvalidEsimState):
            esim_retire(esim=esim, **ACTOR)
        worker.result()

    order.refresh_from_db()
    esim.refresh_from_db()
    assert esim.status == EsimStatus.RELEASED
    assert order.status == OrderStatus.COMPLETED
    assert partner_balance(partner=stock.partner) == Decimal("95.00")
    assert sim.state(esim.iccid) == "Released"


@pytest.mark.django_db(transaction=True)
def test_a_retire_overtaken_by_a_reissue_records_nothing_and_the_reissue_is_delivered(
    esim: Esim, stock: Stock, sim, install
) -> None:
    install(esim)

    with ThreadPoolExecutor(max_workers=1) as pool:
        with transaction.atomic():
            # Another staff action holds the eSIM: the retire's record has to wait for it.
            Esim.objects.select_for_update().get(pk=esim.pk)
            retire = _in_background(pool, lambda: esim_retire(esim=esim, **ACTOR))
            _wait_for(
                lambda: Es2Call.objects.filter(
                    function="cancelOrder", outcome=CallOutcome.SUCCEEDED
                ).exists()
            )
            esim_reissue(esim=esim, **ACTOR)
        with pytest.raises(InvalidEsimState, match="changed while the SM-DP\\+ was called"):
            retire.result()

    provisioning_job_run(job_id=ProvisioningJob.objects.get(esim=esim).pk)
    esim.refresh_from_db()
    assert esim.status == EsimStatus.RELEASED
    assert esim.profile.state == ProfileState.RELEASED
    assert partner_balance(partner=stock.partner) == Decimal("95.00")


@pytest.mark.django_db(transaction=True)
def test_a_cancel_overtaken_by_a_download_refunds_nothing(
    esim: Esim, stock: Stock, sim, install
) -> None:
    sim.fault(function="cancelOrder", action="latency", ms=HELD_MS)

    with ThreadPoolExecutor(max_workers=1) as pool:
        cancel = _in_background(pool, lambda: esim_cancel(esim=esim, **ACTOR))
        _wait_for(lambda: Es2Call.objects.filter(function="cancelOrder").exists())
        install(esim)
        with pytest.raises(InvalidEsimState, match="nothing was refunded"):
            cancel.result()

    esim.refresh_from_db()
    assert esim.status == EsimStatus.RELEASED
    assert esim.profile.state == ProfileState.INSTALLED
    assert partner_balance(partner=stock.partner) == Decimal("95.00")


def test_reissue_gives_a_new_activation_code_without_charging(esim: Esim, stock: Stock) -> None:
    old_code = esim.activation_code.reveal()

    esim_reissue(esim=esim, **ACTOR)
    provisioning_job_run(job_id=ProvisioningJob.objects.filter(esim=esim).get().pk)

    esim.refresh_from_db()
    assert esim.status == EsimStatus.RELEASED
    assert esim.activation_code.reveal() != old_code
    assert partner_balance(partner=stock.partner) == Decimal("95.00")
    assert EsimReissue.objects.filter(esim=esim).count() == 1
    assert esim.order.status == OrderStatus.COMPLETED


def test_reissue_of_a_burned_profile_retires_it_and_takes_another(esim: Esim, install) -> None:
    install(esim)
    old = esim.profile

    esim_reissue(esim=esim, **ACTOR)

    esim.refresh_from_db()
    old.refresh_from_db()
    assert old.state == ProfileState.RETIRED
    assert esim.profile_id != old.pk
    assert esim.status == EsimStatus.PROVISIONING


def test_validity_starts_when_the_profile_is_installed(esim: Esim, install) -> None:
    install(esim)

    esim.refresh_from_db()
    assert esim.activated_at is not None
    assert esim.expires_at == esim.activated_at + timedelta(days=esim.validity_days)


def test_expiry_marks_the_esim_expired_and_bars_the_profile(esim: Esim, install) -> None:
    install(esim)
    esim.refresh_from_db()

    assert esims_expire(now=esim.expires_at + timedelta(seconds=1)) == 1

    esim.refresh_from_db()
    esim.profile.refresh_from_db()
    assert esim.status == EsimStatus.EXPIRED
    assert esim.profile.state == ProfileState.SUSPENDED


def test_expiry_before_the_end_of_validity_does_nothing(esim: Esim, install) -> None:
    install(esim)

    assert esims_expire(now=timezone.now()) == 0


def test_reissue_nobody_finishes_is_resolved_as_stuck_on_a_completed_order(
    esim: Esim, stock: Stock
) -> None:
    esim_reissue(esim=esim, **ACTOR)
    Esim.objects.filter(pk=esim.pk).update(lease_until=timezone.now())

    assert orders_resolve_stuck(now=timezone.now() + timedelta(hours=7)) == 1

    esim.refresh_from_db()
    assert esim.status == EsimStatus.FAILED
    assert ProvisioningJob.objects.get(esim=esim).status == "done"
    assert partner_balance(partner=stock.partner) == Decimal("100.00")
