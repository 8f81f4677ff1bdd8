"""Retries after lost answers end in the right state whether or not the first call took effect."""

from __future__ import annotations

import pytest

from smdp_client.choices import CallOutcome, Es2Function
from smdp_client.client import Es2Client
from smdp_client.errors import Es2FunctionError, Es2TransportError
from smdp_client.models import Es2Call
from smdp_client.selectors import iccid_conversation
from smdp_client.services import (
    es2_cancel_order,
    es2_confirm_order,
    es2_download_order,
    es2_release_profile,
)
from tests.factories.smdp_client import Es2CallFactory, Es2NotificationFactory, iccid_sequence

ICCID = iccid_sequence(11)


def lose_next_answer(sim, function: str) -> None:
    sim.fault(function=function, action="drop", after_commit=True)


def fail_before_processing(sim, function: str) -> None:
    sim.fault(function=function, action="drop", after_commit=False)


def test_download_retry_after_a_lost_answer_is_a_success(server, sim):
    lose_next_answer(sim, "downloadOrder")
    with pytest.raises(Es2TransportError):
        es2_download_order(server=server, iccid=ICCID)

    result = es2_download_order(server=server, iccid=ICCID)

    assert result.iccid == ICCID
    assert sim.state(ICCID) == "Allocated"
    first, retry = Es2Call.objects.order_by("pk")
    assert first.outcome == CallOutcome.UNKNOWN
    assert "took effect" in first.resolution
    assert (retry.subject_code, retry.reason_code) == ("8.2.1", "3.3")
    assert "treated as success" in retry.resolution


def test_download_retry_when_the_first_call_never_took_effect_simply_succeeds(server, sim):
    fail_before_processing(sim, "downloadOrder")
    with pytest.raises(Es2TransportError):
        es2_download_order(server=server, iccid=ICCID)

    assert es2_download_order(server=server, iccid=ICCID).iccid == ICCID
    assert sim.state(ICCID) == "Allocated"


def test_download_retry_after_a_worker_died_mid_call_is_a_success(server, sim):
    Es2Client(server).download_order(iccid=ICCID)
    Es2Call.objects.update(outcome=CallOutcome.PENDING)

    assert es2_download_order(server=server, iccid=ICCID).iccid == ICCID


def test_already_in_use_without_an_earlier_attempt_of_ours_is_a_real_conflict(server, sim):
    sim.set_profile(ICCID, state="Allocated")

    with pytest.raises(Es2FunctionError) as caught:
        es2_download_order(server=server, iccid=ICCID)

    assert caught.value.code == ("8.2.1", "3.3")


def test_already_in_use_after_we_cancelled_our_reservation_is_a_real_conflict(server, sim):
    Es2CallFactory(server=server, iccid=ICCID, outcome=CallOutcome.UNKNOWN)
    Es2CallFactory(server=server, iccid=ICCID, function=Es2Function.CANCEL_ORDER)
    sim.set_profile(ICCID, state="Allocated")

    with pytest.raises(Es2FunctionError):
        es2_download_order(server=server, iccid=ICCID)


def test_an_earlier_attempt_on_another_smdp_does_not_count(server, sim):
    Es2CallFactory(iccid=ICCID, outcome=CallOutcome.UNKNOWN)
    sim.set_profile(ICCID, state="Allocated")

    with pytest.raises(Es2FunctionError):
        es2_download_order(server=server, iccid=ICCID)


def test_confirm_retry_after_a_lost_answer_resyncs_and_returns_a_fresh_matching_id(server, sim):
    es2_download_order(server=server, iccid=ICCID)
    lose_next_answer(sim, "confirmOrder")
    with pytest.raises(Es2TransportError):
        es2_confirm_order(server=server, iccid=ICCID)
    lost_matching_id = sim.profile(ICCID)["matching_id"]

    result = es2_confirm_order(server=server, iccid=ICCID)

    assert sim.state(ICCID) == "Released"
    assert result.matching_id == sim.profile(ICCID)["matching_id"]
    assert result.matching_id != lost_matching_id
    functions = list(Es2Call.objects.order_by("pk").values_list("function", flat=True))
    assert functions[-3:] == ["cancelOrder", "downloadOrder", "confirmOrder"]


def test_confirm_retry_when_the_first_call_never_took_effect_simply_succeeds(server, sim):
    es2_download_order(server=server, iccid=ICCID)
    fail_before_processing(sim, "confirmOrder")
    with pytest.raises(Es2TransportError):
        es2_confirm_order(server=server, iccid=ICCID)

    result = es2_confirm_order(server=server, iccid=ICCID)

    assert result.matching_id == sim.profile(ICCID)["matching_id"]
    assert Es2Call.objects.filter(function="cancelOrder").count() == 0


def test_invalid_state_without_an_earlier_confirm_of_ours_is_raised(server, sim):
    with pytest.raises(Es2FunctionError) as caught:
        es2_confirm_order(server=server, iccid=ICCID)

    assert caught.value.code == ("8.2.1", "3.5")


def test_confirm_retry_keeps_a_matching_id_we_chose(server, sim):
    es2_download_order(server=server, iccid=ICCID)
    lose_next_answer(sim, "confirmOrder")
    with pytest.raises(Es2TransportError):
        es2_confirm_order(server=server, iccid=ICCID, matching_id="OUR-OWN-MID")

    result = es2_confirm_order(server=server, iccid=ICCID, matching_id="OUR-OWN-MID")

    assert result.matching_id == "OUR-OWN-MID"
    assert sim.state(ICCID) == "Released"


def test_cancel_retry_after_a_lost_answer_is_a_success(server, sim):
    es2_download_order(server=server, iccid=ICCID)
    lose_next_answer(sim, "cancelOrder")
    with pytest.raises(Es2TransportError):
        es2_cancel_order(server=server, iccid=ICCID, final_status="Available")

    es2_cancel_order(server=server, iccid=ICCID, final_status="Available")

    assert sim.state(ICCID) == "Available"


def test_release_retry_after_a_lost_answer_is_a_success(server, sim):
    es2_download_order(server=server, iccid=ICCID)
    es2_confirm_order(server=server, iccid=ICCID, release_flag=False)
    lose_next_answer(sim, "releaseProfile")
    with pytest.raises(Es2TransportError):
        es2_release_profile(server=server, iccid=ICCID)

    es2_release_profile(server=server, iccid=ICCID)

    assert sim.state(ICCID) == "Released"


def test_release_of_a_profile_we_never_released_is_raised(server, sim):
    es2_download_order(server=server, iccid=ICCID)

    with pytest.raises(Es2FunctionError):
        es2_release_profile(server=server, iccid=ICCID)


def test_staff_can_read_the_whole_conversation_about_one_iccid(server, sim):
    es2_download_order(server=server, iccid=ICCID)
    es2_confirm_order(server=server, iccid=ICCID)
    Es2NotificationFactory(server=server, iccid=ICCID, notification_point_id=3)

    conversation = iccid_conversation(iccid=ICCID)

    assert [entry.kind for entry in conversation] == ["call", "call", "notification"]
    assert conversation[0].summary.startswith("downloadOrder")
    assert "point 3" in conversation[2].summary
