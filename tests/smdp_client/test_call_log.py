"""How the Es2Call log is written: committed before the request leaves, one statement a write."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import IntegrityError, connection, connections
from django.test.utils import CaptureQueriesContext

from smdp_client.choices import CallOutcome, Es2Function
from smdp_client.client import Es2Client
from smdp_client.errors import Es2FunctionError, Es2TransportError
from smdp_client.models import Es2Call
from smdp_client.selectors import circuit_status
from tests.factories.smdp_client import SmdpServerFactory, iccid_sequence

ICCID = iccid_sequence(31)


def release_unknown(server) -> None:
    with pytest.raises(Es2FunctionError):
        Es2Client(server).release_profile(iccid=ICCID)


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY name")
        return [row[0].strip() for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_the_row_is_committed_before_the_request_leaves(simulator, sim):
    server = SmdpServerFactory(base_url=simulator.url, read_timeout=5.0)
    sim.fault(function="releaseProfile", action="hang", seconds=3)
    failures: list[BaseException] = []

    def call() -> None:
        try:
            Es2Client(server).release_profile(iccid=ICCID)
        except Es2TransportError as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while not sim.requests() and time.monotonic() < deadline:
        time.sleep(0.02)
    seen_while_in_flight = list(Es2Call.objects.values_list("outcome", "function"))
    caller.join()

    assert sim.requests(), "the request never reached the simulator"
    assert seen_while_in_flight == [(CallOutcome.PENDING, Es2Function.RELEASE_PROFILE)]
    assert failures
    assert Es2Call.objects.get().outcome == CallOutcome.UNKNOWN


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_each_log_write_is_one_statement_without_the_flush_wait(server, sim):
    with CaptureQueriesContext(connection) as queries:
        release_unknown(server)

    statements = [
        query["sql"] for query in queries.captured_queries if "smdp_client_es2call" in query["sql"]
    ]
    assert len(statements) == 2
    assert statements[0].lstrip().startswith("INSERT INTO smdp_client_es2call")
    assert statements[1].lstrip().startswith("UPDATE smdp_client_es2call")
    assert all("set_config('synchronous_commit', 'off', true)" in sql for sql in statements)


def test_inside_the_callers_transaction_the_log_leaves_its_durability_alone(server, sim):
    release_unknown(server)

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert Es2Call.objects.get().outcome == CallOutcome.FAILED


def test_the_log_statements_are_prepared_once_per_connection(server, sim):
    release_unknown(server)
    after_one_call = prepared_statements()
    release_unknown(server)
    release_unknown(server)

    assert prepared_statements() == after_one_call
    assert any(sql.startswith("INSERT INTO smdp_client_es2call") for sql in after_one_call)
    assert any(sql.startswith("UPDATE smdp_client_es2call") for sql in after_one_call)


@pytest.mark.django_db(transaction=True)
def test_a_call_whose_row_cannot_be_written_is_not_sent_and_frees_its_slot(simulator, sim):
    ghost = SmdpServerFactory.build(pk=987654321, base_url=simulator.url, max_concurrency=1)

    with pytest.raises(IntegrityError):
        Es2Client(ghost).release_profile(iccid=ICCID)

    assert sim.requests() == []
    assert circuit_status(server=ghost).in_flight == 0
