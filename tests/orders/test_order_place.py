"""order_place: one transaction that checks, charges, reserves and records the job."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.choices import EsimStatus, JobKind, JobStatus, OrderStatus
from orders.errors import (
    IdempotencyConflict,
    InsufficientBalance,
    InvalidEid,
    InvalidQuantity,
    OutOfStock,
    PlanNotAllowed,
)
from orders.models import Esim, Order, ProvisioningJob
from orders.services import order_place
from partners.services import partner_balance
from profiles.choices import ProfileState
from profiles.models import Profile
from tests.factories.orders import Stock, make_stock
from tests.factories.partners import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock() -> Stock:
    return make_stock(profiles=5, price=Decimal("4.50"), balance=Decimal("100.00"))


def _place(stock: Stock, quantity: int = 2, key: str = "k-1", **kwargs) -> Order:
    return order_place(
        partner=stock.partner,
        plan_code=stock.plan.code,
        quantity=quantity,
        idempotency_key=key,
        **kwargs,
    )


def _reserved(stock: Stock) -> int:
    return Profile.objects.filter(pool=stock.pool, state=ProfileState.RESERVED).count()


def test_order_reserves_one_profile_per_esim_and_debits_the_total(stock: Stock) -> None:
    order = _place(stock, quantity=3, traveler_email="ana@example.com", reference="R-1")

    assert order.status == OrderStatus.PROVISIONING
    assert order.total_price == Decimal("13.50")
    assert order.currency == stock.partner.currency
    assert partner_balance(partner=stock.partner) == Decimal("86.50")
    esims = list(order.esims.select_related("profile"))
    assert len(esims) == 3
    assert {e.status for e in esims} == {EsimStatus.PROVISIONING}
    assert {e.profile.state for e in esims} == {ProfileState.RESERVED}
    assert {e.iccid for e in esims} == {e.profile.iccid for e in esims}
    assert _reserved(stock) == 3


def test_order_records_a_pending_provisioning_job(stock: Stock) -> None:
    order = _place(stock)

    job = ProvisioningJob.objects.get(order=order)
    assert job.kind == JobKind.PROVISION
    assert job.status == JobStatus.PENDING


def test_order_rings_the_job_doorbell_only_after_commit(
    stock: Stock, django_capture_on_commit_callbacks
) -> None:
    from orders.tasks import provision_job

    published: list[object] = []

    def record(sender, body, **kwargs) -> None:
        published.append(body)

    from celery.signals import after_task_publish

    after_task_publish.connect(record, sender=provision_job.name)
    try:
        with django_capture_on_commit_callbacks() as callbacks:
            order = _place(stock)
        assert published == []
        for callback in callbacks:
            callback()
    finally:
        after_task_publish.disconnect(record, sender=provision_job.name)

    job = ProvisioningJob.objects.get(order=order)
    assert len(published) == 1
    assert job.sends == 1


def test_same_idempotency_key_returns_the_first_order_and_charges_once(stock: Stock) -> None:
    first = _place(stock, key="same")
    again = _place(stock, key="same")

    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert partner_balance(partner=stock.partner) == Decimal("91.00")


def test_idempotency_key_reused_for_another_quantity_is_a_conflict(stock: Stock) -> None:
    _place(stock, quantity=1, key="same")

    with pytest.raises(IdempotencyConflict):
        _place(stock, quantity=2, key="same")


@pytest.mark.parametrize("quantity", [0, -1, 51, "2", 2.0, True])
def test_bad_quantity_is_refused_with_nothing_charged_or_reserved(stock: Stock, quantity) -> None:
    with pytest.raises(InvalidQuantity):
        _place(stock, quantity=quantity)

    assert partner_balance(partner=stock.partner) == Decimal("100.00")
    assert _reserved(stock) == 0


def test_unknown_plan_is_not_allowed(stock: Stock) -> None:
    with pytest.raises(PlanNotAllowed):
        order_place(
            partner=stock.partner, plan_code="NO-SUCH-PLAN", quantity=1, idempotency_key="k"
        )


def test_inactive_plan_is_not_allowed(stock: Stock) -> None:
    stock.plan.is_active = False
    stock.plan.save()

    with pytest.raises(PlanNotAllowed):
        _place(stock)
    assert _reserved(stock) == 0


def test_plan_the_partner_may_not_sell_is_not_allowed(stock: Stock) -> None:
    other = make_stock(profiles=1, price=Decimal("1.00"), balance=Decimal("10.00"))

    with pytest.raises(PlanNotAllowed):
        order_place(
            partner=other.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="k"
        )
    assert _reserved(stock) == 0
    assert partner_balance(partner=other.partner) == Decimal("10.00")


def test_more_than_in_stock_is_out_of_stock_with_nothing_charged_or_reserved(
    stock: Stock,
) -> None:
    with pytest.raises(OutOfStock):
        _place(stock, quantity=6)

    assert partner_balance(partner=stock.partner) == Decimal("100.00")
    assert _reserved(stock) == 0
    assert not Order.objects.exists()


def test_insufficient_balance_reserves_nothing(stock: Stock) -> None:
    poor = make_stock(profiles=3, price=Decimal("40.00"), balance=Decimal("50.00"))

    with pytest.raises(InsufficientBalance):
        order_place(partner=poor.partner, plan_code=poor.plan.code, quantity=2, idempotency_key="k")

    assert partner_balance(partner=poor.partner) == Decimal("50.00")
    assert _reserved(poor) == 0
    assert not Order.objects.exists()
    assert not Esim.objects.exists()


def test_malformed_eid_is_refused(stock: Stock) -> None:
    with pytest.raises(InvalidEid):
        _place(stock, eid="1234")
    assert _reserved(stock) == 0


def test_eid_binds_every_esim_of_the_order(stock: Stock) -> None:
    eid = "89049032123456789012345678901234"

    order = _place(stock, eid=eid)

    assert {e.eid for e in order.esims.all()} == {eid}


def test_a_profile_cannot_be_in_two_esims(stock: Stock) -> None:
    from django.db import IntegrityError, transaction

    order = _place(stock, quantity=1)
    esim = order.esims.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Esim.objects.create(
            order=order,
            partner=order.partner,
            profile=esim.profile,
            iccid=esim.iccid,
            validity_days=1,
        )


def test_each_esim_carries_its_orders_partner(stock: Stock) -> None:
    order = _place(stock, quantity=2)

    assert {esim.partner_id for esim in order.esims.all()} == {stock.partner.pk}


def test_the_database_refuses_an_esim_of_another_partner_than_its_orders(stock: Stock) -> None:
    from django.db import IntegrityError, transaction

    order = _place(stock, quantity=1)
    esim = order.esims.get()
    other = PartnerFactory()
    with pytest.raises(IntegrityError, match="esim_partner_is_the_orders"), transaction.atomic():
        Esim.objects.filter(pk=esim.pk).update(partner=other)
