"""The four ES2+ functions against the simulator over real HTTP: results and the call log."""

from __future__ import annotations

import pytest

from smdp_client.choices import CallOutcome, Es2Function
from smdp_client.client import Es2Client
from smdp_client.errors import Es2FunctionError, Es2ProtocolError
from smdp_client.models import Es2Call
from tests.factories.smdp_client import iccid_sequence

ICCID = iccid_sequence(1)
EID = "89049032123456789012345678901234"


def test_download_order_reserves_the_iccid_and_returns_it(server, sim):
    result = Es2Client(server).download_order(iccid=ICCID)

    assert result.iccid == ICCID
    assert sim.state(ICCID) == "Allocated"


def test_download_order_with_an_eid_links_the_profile(server, sim):
    Es2Client(server).download_order(iccid=ICCID, eid=EID)

    assert sim.state(ICCID) == "Linked"
    assert sim.profile(ICCID)["eid"] == EID


def test_download_order_by_profile_type_returns_the_iccid_the_smdp_picked(server, sim):
    sim.set_profile(ICCID, profileType="EU-10GB")

    result = Es2Client(server).download_order(profile_type="EU-10GB")

    assert result.iccid == ICCID
    assert Es2Call.objects.get().iccid == ICCID


def test_confirm_order_returns_the_matching_id_and_falls_back_to_our_address(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)

    result = client.confirm_order(iccid=ICCID, release_flag=True)

    assert result.matching_id == sim.profile(ICCID)["matching_id"]
    assert result.smdp_address == server.smdp_address
    assert sim.state(ICCID) == "Released"


def test_confirm_order_uses_the_smdp_address_from_the_answer_when_present(server, sim):
    sim.configure(smdp_address="rsp.sim.example")
    client = Es2Client(server)
    client.download_order(iccid=ICCID)

    assert client.confirm_order(iccid=ICCID).smdp_address == "rsp.sim.example"


def test_confirm_without_release_then_release_profile(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)
    client.confirm_order(iccid=ICCID, release_flag=False, matching_id="OUR-MID-1")
    assert sim.state(ICCID) == "Confirmed"

    client.release_profile(iccid=ICCID)

    assert sim.state(ICCID) == "Released"


def test_cancel_order_returns_the_profile_to_stock(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)

    client.cancel_order(iccid=ICCID, final_status="Available")

    assert sim.state(ICCID) == "Available"


def test_cancel_order_unavailable_retires_the_profile(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)

    client.cancel_order(iccid=ICCID, final_status="Unavailable")

    assert sim.state(ICCID) == "Unavailable"


def test_an_f_padded_iccid_is_sent_as_its_digits(server, sim):
    nineteen = ICCID[:19]
    sim.set_profile(nineteen)

    result = Es2Client(server).download_order(iccid=nineteen + "F")

    assert result.iccid == nineteen
    assert '"iccid":"' + nineteen + '"' in sim.requests()[-1]["body"]


def test_an_f_padded_iccid_in_the_answer_is_read_as_its_digits(server, sim):
    nineteen = ICCID[:19]
    sim.set_profile(nineteen, profileType="PADDED")
    sim.configure(pad_iccids=True)

    assert Es2Client(server).download_order(profile_type="PADDED").iccid == nineteen


def test_every_call_is_logged_with_outcome_latency_and_redacted_secrets(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)
    client.confirm_order(iccid=ICCID, matching_id="SECRET-MID", confirmation_code="1234")

    download, confirm = Es2Call.objects.order_by("id")
    assert download.function == Es2Function.DOWNLOAD_ORDER
    assert download.outcome == CallOutcome.SUCCEEDED
    assert download.iccid == ICCID
    assert download.latency_ms is not None
    assert confirm.request_body["matchingId"] == "[redacted]"
    assert confirm.request_body["confirmationCode"] == "[redacted]"
    assert confirm.response_body["matchingId"] == "[redacted]"
    assert "SECRET-MID" not in str(confirm.request_body) + str(confirm.response_body)


def test_a_broken_answer_is_kept_in_the_error_with_its_matching_id_redacted(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)
    sim.fault(
        function="confirmOrder", action="malformed", kind="no_admin_protocol", after_commit=True
    )

    with pytest.raises(Es2ProtocolError):
        client.confirm_order(iccid=ICCID)

    confirm = Es2Call.objects.get(function=Es2Function.CONFIRM_ORDER)
    assert confirm.outcome == CallOutcome.PROTOCOL_ERROR
    assert "X-Admin-Protocol" in confirm.error
    assert '"matchingId": "[redacted]"' in confirm.error
    assert sim.profile(ICCID)["matching_id"] not in confirm.error


def test_a_business_failure_is_logged_verbatim_and_raised_typed(server, sim):
    with pytest.raises(Es2FunctionError) as caught:
        Es2Client(server).confirm_order(iccid=ICCID)

    assert caught.value.code == ("8.2.1", "3.5")
    call = Es2Call.objects.get()
    assert call.outcome == CallOutcome.FAILED
    assert (call.subject_code, call.reason_code) == ("8.2.1", "3.5")
    assert call.message == "confirmOrder is not allowed in state Available"
    assert call.execution_status == "Failed"
    assert caught.value.call_id == call.pk
