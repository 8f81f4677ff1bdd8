"""Rebuilding where a profile stands at the SM-DP+ from our call log and its notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smdp_client.choices import CallOutcome, Es2Function
from smdp_client.reconcile import Standing, iccid_reconcile
from tests.factories.smdp_client import Es2CallFactory, Es2NotificationFactory, SmdpServerFactory

pytestmark = pytest.mark.django_db

ICCID = "8944000000000000018"


@pytest.fixture
def server():
    return SmdpServerFactory(name="acme")


class History:
    """Calls and notifications one second apart, in the order they are written."""

    def __init__(self, server) -> None:
        self.server = server
        self.at = timezone.now() - timedelta(hours=1)
        self.notes = []

    def _tick(self):
        self.at += timedelta(seconds=1)
        return self.at

    def call(self, function: Es2Function, outcome: CallOutcome, **fields):
        return Es2CallFactory(
            server=self.server,
            iccid=ICCID,
            function=function,
            outcome=outcome,
            started_at=self._tick(),
            **fields,
        )

    def notify(self, point: int, status: str = "Executed-Success"):
        note = Es2NotificationFactory(
            server=self.server,
            iccid=ICCID,
            notification_point_id=point,
            point_status=status,
            timestamp=self._tick(),
        )
        self.notes.append(note)
        return note

    def reconcile(self):
        return iccid_reconcile(server=self.server, iccid=ICCID, notifications=self.notes)


def test_a_download_and_confirm_that_succeeded_leave_the_profile_released(server):
    history = History(server)
    history.call(Es2Function.DOWNLOAD_ORDER, CallOutcome.SUCCEEDED)
    history.call(Es2Function.CONFIRM_ORDER, CallOutcome.SUCCEEDED)

    result = history.reconcile()

    assert result.standing == Standing.RELEASED
    assert result.resolved == result.unresolved == []


def test_an_unknown_download_followed_by_a_successful_confirm_took_effect(server):
    history = History(server)
    download = history.call(Es2Function.DOWNLOAD_ORDER, CallOutcome.UNKNOWN)
    history.call(Es2Function.CONFIRM_ORDER, CallOutcome.SUCCEEDED)

    assert history.reconcile().standing == Standing.RELEASED
    download.refresh_from_db()
    assert download.resolution.startswith("took effect: our later confirmOrder")


def test_an_unknown_download_followed_by_our_own_successful_download_did_not(server):
    history = History(server)
    lost = history.call(Es2Function.DOWNLOAD_ORDER, CallOutcome.UNKNOWN)
    history.call(Es2Function.DOWNLOAD_ORDER, CallOutcome.SUCCEEDED)

    assert history.reconcile().standing == Standing.RESERVED
    lost.refresh_from_db()
    assert lost.resolution.startswith("did not take effect")


def test_an_unknown_confirm_followed_by_a_reported_installation_took_effect(server):
    history = History(server)
    history.call(Es2Function.DOWNLOAD_ORDER, CallOutcome.SUCCEEDED)
    confirm = history.call(Es2Function.CONFIRM_ORDER, CallOutcome.PENDING)
    history.notify(4)

    result = history.reconcile()

    assert result.standing == Standing.INSTALLED
    confirm.refresh_from_db()
    assert confirm.resolution.startswith("took effect: the SM-DP+ reported the profile installed")


def test_a_failed_installation_report_settles_nothing(server):
    history = History(server)
    history.call(Es2Function.DOWNLOAD_ORDER, CallOutcome.SUCCEEDED)
    confirm = history.call(Es2Function.CONFIRM_ORDER, CallOutcome.UNKNOWN)
    history.notify(4, status="Failed")

    result = history.reconcile()

    assert result.standing == Standing.IN_DOUBT
    assert result.unresolved == [f"confirmOrder #{confirm.pk}: outcome still unknown"]
    confirm.refresh_from_db()
    assert confirm.resolution == ""


def test_a_refusal_that_flags_the_profile_puts_it_in_doubt(server, db):
    history = History(server)
    history.call(
        Es2Function.DOWNLOAD_ORDER, CallOutcome.FAILED, subject_code="8.2.1", reason_code="3.9"
    )

    result = history.reconcile()

    assert result.standing == Standing.IN_DOUBT
    assert "refused 8.2.1/3.9" in result.because


def test_a_refusal_that_changes_nothing_leaves_the_profile_in_stock(server):
    history = History(server)
    history.call(
        Es2Function.DOWNLOAD_ORDER, CallOutcome.FAILED, subject_code="8.1.1", reason_code="3.8"
    )

    assert history.reconcile().standing == Standing.AVAILABLE


def test_a_cancel_unavailable_that_took_effect_leaves_the_profile_unusable(server):
    history = History(server)
    history.call(Es2Function.DOWNLOAD_ORDER, CallOutcome.SUCCEEDED)
    history.call(
        Es2Function.CANCEL_ORDER,
        CallOutcome.SUCCEEDED,
        request_body={"iccid": ICCID, "finalProfileStatusIndicator": "Unavailable"},
    )

    assert history.reconcile().standing == Standing.UNAVAILABLE
