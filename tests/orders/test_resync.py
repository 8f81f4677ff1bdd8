"""Resync from SM-DP+: stored notifications replayed, unknown calls settled, quarantine lifted."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.choices import EsimStatus, FailureOutcome
from orders.models import Esim, Order
from orders.services import (
    esim_resync,
    esim_suspend,
    order_place,
    orders_resolve_stuck,
)
from profiles.choices import ProfileState
from profiles.models import Profile, ProfileEvent
from smdp_client.choices import CallOutcome, Es2Function, NotificationState
from smdp_client.notifications.apply import notification_apply
from tests.factories.orders import Stock, make_delivered_esim, make_stock
from tests.factories.smdp_client import Es2CallFactory, Es2NotificationFactory

pytestmark = pytest.mark.django_db

EID = "89049032000000000000000000000777"
STAFF = {"actor": "staff:ann", "reason": "traveler says it is installed"}


@pytest.fixture
def stock() -> Stock:
    return make_stock(profiles=3, price=Decimal("5.00"), balance=Decimal("100.00"))


def notify(stock: Stock, iccid: str, point: int, *, minutes: int = 0, **fields):
    """A notification stored and run through the intake's rules as the worker would."""
    note = Es2NotificationFactory(
        server=stock.server,
        iccid=iccid,
        notification_point_id=point,
        timestamp=timezone.now() + timedelta(minutes=minutes),
        **fields,
    )
    notification_apply(notification_id=note.pk, final_attempt=True)
    note.refresh_from_db()
    return note


def call(stock: Stock, iccid: str, function: Es2Function, outcome: CallOutcome, **fields):
    return Es2CallFactory(
        server=stock.server, iccid=iccid, function=function, outcome=outcome, **fields
    )


def quarantined_esim(stock: Stock) -> Esim:
    """An eSIM given up as stuck: failed, refunded, its profile quarantined (state error)."""
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="stuck"
    )
    orders_resolve_stuck(now=timezone.now() + timedelta(hours=7))
    esim = order.esims.get()
    assert esim.failure_outcome == FailureOutcome.QUARANTINED
    return esim


def test_a_download_reported_before_the_release_was_recorded_is_applied_by_resync(stock):
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="early"
    )
    early = notify(stock, order.esims.get().iccid, 3)
    assert early.state == NotificationState.NOT_APPLICABLE
    esim = make_delivered_esim_from(order)

    result = esim_resync(esim=esim, **STAFF)

    assert Profile.objects.get(iccid=esim.iccid).state == ProfileState.DOWNLOADED
    early.refresh_from_db()
    assert early.state == NotificationState.APPLIED
    assert not early.needs_attention
    assert not result.in_step
    assert "profile released → downloaded" in result.summary


def make_delivered_esim_from(order: Order) -> Esim:
    from orders.services import esim_release, order_settle

    esim = order.esims.select_related("profile").get()
    esim_release(
        esim=esim, smdp_address="smdp.example.test", matching_id="M-1", activation_code="x", eid=""
    )
    order_settle(order_id=order.pk)
    esim.refresh_from_db()
    return esim


def test_resync_of_an_esim_in_step_changes_nothing(stock):
    esim = make_delivered_esim(stock)
    call(stock, esim.iccid, Es2Function.DOWNLOAD_ORDER, CallOutcome.SUCCEEDED)
    call(stock, esim.iccid, Es2Function.CONFIRM_ORDER, CallOutcome.SUCCEEDED)
    notify(stock, esim.iccid, 3, eid=EID)
    notify(stock, esim.iccid, 4, eid=EID, minutes=1)
    events = ProfileEvent.objects.count()

    result = esim_resync(esim=esim, **STAFF)

    assert result.in_step
    assert result.summary == "Resync: already in step."
    assert ProfileEvent.objects.count() == events
    assert Profile.objects.get(iccid=esim.iccid).state == ProfileState.INSTALLED


def test_resync_twice_changes_nothing_the_second_time(stock):
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="twice"
    )
    notify(stock, order.esims.get().iccid, 4)
    esim = make_delivered_esim_from(order)

    assert not esim_resync(esim=esim, **STAFF).in_step
    assert esim_resync(esim=esim, **STAFF).in_step


def test_an_installation_reported_while_suspended_becomes_the_state_to_resume_to(stock):
    esim = make_delivered_esim(stock)
    esim_suspend(esim=esim, actor="staff:ann", reason="fraud check")
    note = notify(stock, esim.iccid, 4, eid=EID)
    assert note.state == NotificationState.NOT_APPLICABLE

    esim_resync(esim=esim, **STAFF)

    esim.refresh_from_db()
    assert esim.suspended_from == ProfileState.INSTALLED
    assert esim.profile.state == ProfileState.SUSPENDED
    note.refresh_from_db()
    assert note.state == NotificationState.APPLIED


def test_a_download_reported_while_quarantined_lifts_the_quarantine_and_settles_the_call(stock):
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="lost"
    )
    iccid = order.esims.get().iccid
    call(stock, iccid, Es2Function.DOWNLOAD_ORDER, CallOutcome.SUCCEEDED)
    confirm = call(stock, iccid, Es2Function.CONFIRM_ORDER, CallOutcome.UNKNOWN)
    orders_resolve_stuck(now=timezone.now() + timedelta(hours=7))
    assert Profile.objects.get(iccid=iccid).state == ProfileState.ERROR
    note = notify(stock, iccid, 3, eid=EID, minutes=5)
    assert note.state == NotificationState.NOT_APPLICABLE

    result = esim_resync(esim=order.esims.get(), **STAFF)

    profile = Profile.objects.get(iccid=iccid)
    assert profile.state == ProfileState.DOWNLOADED
    assert profile.eid == EID
    confirm.refresh_from_db()
    assert confirm.resolution.startswith("took effect: the SM-DP+ reported the profile downloaded")
    note.refresh_from_db()
    assert note.state == NotificationState.APPLIED
    assert any("quarantine lifted" in change for change in result.changes)
    assert "in use on a device although this eSIM failed" in result.summary


def test_a_quarantined_profile_no_call_ever_reserved_goes_back_to_stock(stock):
    esim = quarantined_esim(stock)

    result = esim_resync(esim=esim, **STAFF)

    assert Profile.objects.get(iccid=esim.iccid).state == ProfileState.AVAILABLE
    esim.refresh_from_db()
    assert esim.failure_outcome == FailureOutcome.RESTOCKED
    assert esim.status == EsimStatus.FAILED
    assert "quarantine lifted, profile error → available" in result.summary


def test_a_quarantined_profile_whose_call_outcome_is_unknown_stays_quarantined(stock):
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="doubt"
    )
    iccid = order.esims.get().iccid
    download = call(stock, iccid, Es2Function.DOWNLOAD_ORDER, CallOutcome.UNKNOWN)
    orders_resolve_stuck(now=timezone.now() + timedelta(hours=7))

    result = esim_resync(esim=order.esims.get(), **STAFF)

    assert result.in_step
    assert Profile.objects.get(iccid=iccid).state == ProfileState.ERROR
    assert f"downloadOrder #{download.pk}: outcome still unknown" in result.still_open
    assert "stays quarantined" in result.summary


def test_a_quarantined_profile_our_cancel_returned_to_stock_leaves_quarantine(stock):
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="cancelled"
    )
    iccid = order.esims.get().iccid
    download = call(stock, iccid, Es2Function.DOWNLOAD_ORDER, CallOutcome.UNKNOWN)
    call(
        stock,
        iccid,
        Es2Function.CANCEL_ORDER,
        CallOutcome.SUCCEEDED,
        request_body={"iccid": iccid, "finalProfileStatusIndicator": "Available"},
        started_at=download.started_at + timedelta(seconds=1),
    )
    orders_resolve_stuck(now=timezone.now() + timedelta(hours=7))

    esim_resync(esim=order.esims.get(), **STAFF)

    assert Profile.objects.get(iccid=iccid).state == ProfileState.AVAILABLE
    download.refresh_from_db()
    assert download.resolution.startswith("took effect: our later cancelOrder")


def test_a_cancelled_esim_has_nothing_to_resync(stock):
    esim = make_delivered_esim(stock)
    Esim.objects.filter(pk=esim.pk).update(status=EsimStatus.CANCELLED, profile=None)

    result = esim_resync(esim=esim, **STAFF)

    assert result.in_step
    assert "holds no profile" in result.summary
