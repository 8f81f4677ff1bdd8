"""Failures are typed and classified: business codes by the staff table, transport retried."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps as django_apps

from coreesim.tasks import TransientError
from smdp_client.choices import CallOutcome, FailureAction, TransportFailure
from smdp_client.client import Es2Client
from smdp_client.errors import Es2FunctionError, Es2ProtocolError, Es2TransportError
from smdp_client.models import Es2Call, FailureRule
from smdp_client.simulator.faults import MALFORMED_KINDS
from tests.factories.smdp_client import SmdpServerFactory, iccid_sequence

IN_USE_MIGRATION = import_module("smdp_client.migrations.0004_iccid_in_use_flags_profile")
ICCID = iccid_sequence(3)
EID = "89049032000000000000000000000077"
OTHER_EID = "89049032000000000000000000000078"


def refusal(call) -> Es2FunctionError:
    with pytest.raises(Es2FunctionError) as caught:
        call()
    return caught.value


def test_unknown_iccid_is_not_retryable_and_flags_our_profile_record(server, sim):
    not_luhn = ICCID[:-1] + str((int(ICCID[-1]) + 1) % 10)

    error = refusal(lambda: Es2Client(server).download_order(iccid=not_luhn))

    assert error.code == ("8.2.1", "3.9")
    assert error.retryable is False
    assert error.action == FailureAction.FLAG_PROFILE


def test_iccid_already_in_use_is_not_retryable(server, sim):
    sim.set_profile(ICCID, state="Allocated")

    error = refusal(lambda: Es2Client(server).download_order(iccid=ICCID))

    assert error.code == ("8.2.1", "3.3")
    assert error.retryable is False


def test_iccid_already_in_use_flags_our_profile_record(server, sim):
    sim.set_profile(ICCID, state="Allocated")

    error = refusal(lambda: Es2Client(server).download_order(iccid=ICCID))

    assert error.action == FailureAction.FLAG_PROFILE


def _in_use_rule() -> FailureRule:
    return FailureRule.objects.get(subject_code="8.2.1", reason_code="3.3")


def test_the_in_use_migration_makes_the_seeded_rule_flag_the_profile(db):
    FailureRule.objects.filter(pk=_in_use_rule().pk).update(**IN_USE_MIGRATION.SEEDED)

    IN_USE_MIGRATION.quarantine(django_apps, None)

    rule = _in_use_rule()
    assert rule.action == FailureAction.FLAG_PROFILE
    assert rule.meaning == IN_USE_MIGRATION.QUARANTINE["meaning"]


def test_the_in_use_migration_leaves_a_rule_staff_edited_alone(db):
    edited = {"retryable": False, "action": "none", "meaning": "Staff: a partner SM-DP+ race"}
    FailureRule.objects.filter(pk=_in_use_rule().pk).update(**edited)

    IN_USE_MIGRATION.quarantine(django_apps, None)

    rule = _in_use_rule()
    assert (rule.retryable, rule.action, rule.meaning) == tuple(edited.values())


def test_refused_eid_is_not_retryable(server, sim):
    sim.post("refused-eids", {"eids": [EID]})

    error = refusal(lambda: Es2Client(server).download_order(iccid=ICCID, eid=EID))

    assert error.code == ("8.1.1", "3.8")
    assert error.retryable is False


def test_an_eid_other_than_the_linked_one_is_an_invalid_association(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID, eid=EID)

    error = refusal(lambda: client.confirm_order(iccid=ICCID, eid=OTHER_EID))

    assert error.code == ("8.1.1", "3.10")


def test_profile_state_forbidding_the_function_asks_for_a_resync(server, sim):
    error = refusal(lambda: Es2Client(server).release_profile(iccid=ICCID))

    assert error.code == ("8.2.1", "3.5")
    assert error.action == FailureAction.RESYNC
    assert error.retryable is False


def test_matching_id_already_in_use_is_not_retryable(server, sim):
    client = Es2Client(server)
    other = iccid_sequence(4)
    for iccid in (ICCID, other):
        client.download_order(iccid=iccid)
    client.confirm_order(iccid=ICCID, matching_id="SAME-MID")

    error = refusal(lambda: client.confirm_order(iccid=other, matching_id="SAME-MID"))

    assert error.code == ("8.2.6", "3.3")


def test_an_invalid_element_is_our_bug_and_raises_an_alert(server, sim):
    client = Es2Client(server)
    client.download_order(iccid=ICCID)

    error = refusal(lambda: client.confirm_order(iccid=ICCID, matching_id="lower-case"))

    assert error.code == ("8.2.6", "2.1")
    assert error.action == FailureAction.ALERT


def test_an_unknown_function_requester_is_our_bug(db, sim):
    server = SmdpServerFactory(base_url=sim.url, requester_id="someone-else")

    error = refusal(lambda: Es2Client(server).download_order(iccid=ICCID))

    assert error.reason_code == "1.1"
    assert error.action == FailureAction.ALERT


def test_a_code_not_in_the_table_is_not_retryable(server, sim):
    sim.fault(function="cancelOrder", action="fail", subjectCode="8.9", reasonCode="5.1")

    error = refusal(lambda: Es2Client(server).cancel_order(iccid=ICCID, final_status="Available"))

    assert error.code == ("8.9", "5.1")
    assert error.retryable is False


def test_staff_can_make_a_code_retryable_by_adding_a_rule(server, sim):
    FailureRule.objects.create(subject_code="8.9", reason_code="5.1", retryable=True)
    sim.fault(function="cancelOrder", action="fail", subjectCode="8.9", reasonCode="5.1")

    error = refusal(lambda: Es2Client(server).cancel_order(iccid=ICCID, final_status="Available"))

    assert error.retryable is True
    assert Es2Call.objects.get().retryable is True


def test_expired_is_a_function_error_with_its_status(server, sim):
    sim.fault(
        function="cancelOrder",
        action="fail",
        status_text="Expired",
        subjectCode="8.2.1",
        reasonCode="6.4",
    )

    error = refusal(lambda: Es2Client(server).cancel_order(iccid=ICCID, final_status="Available"))

    assert error.status == "Expired"


def test_executed_with_warning_counts_as_success(server, sim):
    sim.fault(
        function="cancelOrder",
        action="fail",
        status_text="Executed-WithWarning",
        subjectCode="8.2.1",
        reasonCode="3.3",
    )

    Es2Client(server).cancel_order(iccid=ICCID, final_status="Available")

    call = Es2Call.objects.get()
    assert call.outcome == CallOutcome.SUCCEEDED
    assert call.execution_status == "Executed-WithWarning"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_http_5xx_and_429_are_retryable_transport_failures_with_unknown_outcome(
    server, sim, status
):
    sim.fault(function="downloadOrder", action="http_error", status=status)

    with pytest.raises(Es2TransportError) as caught:
        Es2Client(server).download_order(iccid=ICCID)

    assert caught.value.kind == TransportFailure.HTTP_STATUS
    assert caught.value.http_status == status
    assert caught.value.retryable is True
    assert isinstance(caught.value, TransientError)
    assert Es2Call.objects.get().outcome == CallOutcome.UNKNOWN


def test_another_http_status_is_a_protocol_error(server, sim):
    sim.fault(function="downloadOrder", action="http_error", status=404)

    with pytest.raises(Es2ProtocolError, match="HTTP 404"):
        Es2Client(server).download_order(iccid=ICCID)

    assert Es2Call.objects.get().outcome == CallOutcome.PROTOCOL_ERROR


def test_a_timeout_is_a_retryable_transport_failure_with_unknown_outcome(server, sim):
    server.read_timeout = 0.3
    server.save()
    sim.fault(function="downloadOrder", action="hang", seconds=1)

    with pytest.raises(Es2TransportError) as caught:
        Es2Client(server).download_order(iccid=ICCID)

    assert caught.value.kind == TransportFailure.TIMEOUT
    assert caught.value.sent is True
    assert Es2Call.objects.get().outcome == CallOutcome.UNKNOWN


def test_a_dropped_connection_leaves_the_outcome_unknown(server, sim):
    sim.fault(function="downloadOrder", action="drop")

    with pytest.raises(Es2TransportError) as caught:
        Es2Client(server).download_order(iccid=ICCID)

    assert caught.value.kind == TransportFailure.CONNECTION
    assert Es2Call.objects.get().outcome == CallOutcome.UNKNOWN
    assert sim.state(ICCID) == "Allocated"


def test_nobody_listening_is_a_connection_failure_and_nothing_was_sent(db):
    server = SmdpServerFactory(base_url="http://127.0.0.1:9")

    with pytest.raises(Es2TransportError) as caught:
        Es2Client(server).download_order(iccid=ICCID)

    assert caught.value.kind == TransportFailure.CONNECTION
    assert caught.value.sent is False
    assert Es2Call.objects.get().outcome == CallOutcome.NOT_SENT


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
def test_a_malformed_answer_is_a_protocol_error(server, sim, kind):
    sim.fault(function="downloadOrder", action="malformed", kind=kind)

    with pytest.raises(Es2ProtocolError):
        Es2Client(server).download_order(iccid=ICCID)

    assert Es2Call.objects.get().outcome == CallOutcome.PROTOCOL_ERROR
