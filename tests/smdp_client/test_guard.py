"""Per-server circuit breaker, concurrency and rate limits."""

from __future__ import annotations

import pytest
from django_redis import get_redis_connection

from smdp_client import guard
from smdp_client.choices import CallOutcome, CircuitState, TransportFailure
from smdp_client.client import Es2Client
from smdp_client.errors import Es2FunctionError, Es2TransportError
from smdp_client.models import Es2Call
from smdp_client.selectors import circuit_status
from tests.factories.smdp_client import SmdpServerFactory, iccid_sequence

ICCID = iccid_sequence(21)


@pytest.fixture
def fragile(db, simulator):
    return SmdpServerFactory(
        base_url=simulator.url, circuit_failure_threshold=2, circuit_reset_seconds=3600
    )


def admit(server) -> guard.Slot:
    return guard.Admission(server).slot()


def settle(server, slot: guard.Slot, *, transport_failed: bool = False) -> None:
    settlement = guard.Settlement(server, slot)
    settlement.send(transport_failed=transport_failed)
    settlement.finish()


def fail_twice(sim, server) -> None:
    sim.fault(function="*", action="http_error", status=503, times=2)
    for _ in range(2):
        with pytest.raises(Es2TransportError):
            Es2Client(server).download_order(iccid=ICCID)


def test_consecutive_transport_failures_open_the_circuit(fragile, sim):
    fail_twice(sim, fragile)

    status = circuit_status(server=fragile)
    assert status.state == CircuitState.OPEN
    assert status.consecutive_failures == 2
    assert status.opened_at is not None


def test_an_open_circuit_refuses_calls_without_sending_them(fragile, sim):
    fail_twice(sim, fragile)
    sent_before = len(sim.requests())

    with pytest.raises(Es2TransportError) as caught:
        Es2Client(fragile).download_order(iccid=ICCID)

    assert caught.value.kind == TransportFailure.CIRCUIT_OPEN
    assert caught.value.sent is False
    assert len(sim.requests()) == sent_before
    assert Es2Call.objects.order_by("-pk").first().outcome == CallOutcome.NOT_SENT


def test_a_business_failure_does_not_count_against_the_server(fragile, sim):
    sim.fault(function="*", action="http_error", status=503)
    with pytest.raises(Es2TransportError):
        Es2Client(fragile).download_order(iccid=ICCID)
    sim.fault(function="*", action="fail", subjectCode="8.2.1", reasonCode="3.9")
    with pytest.raises(Es2FunctionError):
        Es2Client(fragile).download_order(iccid=ICCID)

    assert circuit_status(server=fragile).consecutive_failures == 0


def test_after_the_reset_time_one_probe_passes_and_its_success_closes_the_circuit(fragile, sim):
    fail_twice(sim, fragile)
    fragile.circuit_reset_seconds = 0
    fragile.save()

    Es2Client(fragile).download_order(iccid=ICCID)

    assert circuit_status(server=fragile).state == CircuitState.CLOSED


def test_a_failed_probe_opens_the_circuit_again(fragile, sim):
    fail_twice(sim, fragile)
    fragile.circuit_reset_seconds = 0
    fragile.save()
    sim.fault(function="*", action="http_error", status=503)

    with pytest.raises(Es2TransportError):
        Es2Client(fragile).download_order(iccid=ICCID)

    assert circuit_status(server=fragile).state == CircuitState.OPEN


def test_staff_can_reset_an_open_circuit(fragile, sim):
    fail_twice(sim, fragile)

    guard.reset(fragile)

    assert circuit_status(server=fragile).state == CircuitState.CLOSED
    Es2Client(fragile).download_order(iccid=ICCID)


def test_no_more_calls_than_max_concurrency_are_in_flight(db):
    server = SmdpServerFactory(max_concurrency=1, connect_timeout=0.05)
    slot = admit(server)

    with pytest.raises(Es2TransportError) as caught:
        admit(server)
    settle(server, slot)

    assert caught.value.kind == TransportFailure.BUSY
    assert caught.value.sent is False
    settle(server, admit(server))


def test_calls_beyond_the_rate_limit_wait_or_are_refused(db):
    server = SmdpServerFactory(rate_limit_per_second=2, connect_timeout=0.01)
    refused = []
    for _attempt in range(3):
        try:
            for _ in range(3):
                settle(server, admit(server))
        except Es2TransportError as exc:
            refused.append(exc)
            break

    assert refused
    assert refused[0].kind == TransportFailure.BUSY


def test_a_slot_given_back_unused_is_free_for_the_next_call(db):
    server = SmdpServerFactory(max_concurrency=1, connect_timeout=0.05)

    guard.Admission(server).withdraw()

    settle(server, admit(server))
    assert circuit_status(server=server).in_flight == 0


def test_a_probe_given_back_unused_leaves_the_breaker_as_it_was(fragile, sim):
    fail_twice(sim, fragile)
    fragile.circuit_reset_seconds = 0
    fragile.save()

    guard.Admission(fragile).withdraw()

    status = circuit_status(server=fragile)
    assert status.state == CircuitState.HALF_OPEN
    assert status.consecutive_failures == 2
    Es2Client(fragile).download_order(iccid=ICCID)
    assert circuit_status(server=fragile).state == CircuitState.CLOSED


def test_calls_go_on_after_redis_forgot_the_guard_scripts(fragile, sim):
    Es2Client(fragile).download_order(iccid=ICCID)
    get_redis_connection("default").script_flush()

    Es2Client(fragile).cancel_order(iccid=ICCID, final_status="Available")

    assert circuit_status(server=fragile).in_flight == 0
    assert Es2Call.objects.order_by("-pk").first().outcome == CallOutcome.SUCCEEDED
