"""The Es2Call log: a row before every request leaves, completed when the call ends.

Each write is one SQL statement, its own transaction: call the client outside
``transaction.atomic`` so the row that says "we sent this" is committed before the request
leaves, and survives even if the caller's transaction rolls back or the worker dies mid-call.
That row is what makes lost responses recoverable (``services``). One statement is one round
trip to PostgreSQL (no BEGIN, SET, COMMIT around it), which is why these two writes are plain
SQL rather than the ORM: they sit on the path of every ES2+ call.

Both writes commit without waiting for the WAL flush (``synchronous_commit off`` for these
statements only). A killed worker or web process loses nothing by it; only a crash of
PostgreSQL itself within its WAL writer delay (200 ms by default) can lose the newest rows,
and both losses fall on the safe side: a lost completion leaves the row "pending" (read as
"may have acted"), a lost opening row makes a later "already in use" a real conflict that
is raised for staff instead of being taken as our reservation; never a second sale. Waiting
for the flush would otherwise dominate the client's cost per call.
"""

from __future__ import annotations

import json
import time
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.utils import timezone

from coreesim.logging import redact_value
from smdp_client.choices import CallOutcome, Es2Function, TransportFailure
from smdp_client.models import Es2Call, SmdpServer


def redacted(body: Any) -> Any:
    """A body with matching IDs, confirmation codes and activation codes masked."""
    return redact_value("", body)


# Each write is one statement: outside a transaction, one round trip that commits by itself.
# The FROM item lowers synchronous_commit for that statement's own transaction only.
_NO_FLUSH = "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush"
_OPEN = """
INSERT INTO smdp_client_es2call (
    server_id, function, function_call_identifier, iccid, eid, outcome, request_body, started_at,
    execution_status, subject_code, reason_code, subject_identifier, message, failure_kind,
    error, resolution
)
SELECT %(server_id)s, %(function)s, %(function_call_identifier)s, %(iccid)s, %(eid)s,
    %(outcome)s, %(request_body)s::jsonb, %(started_at)s, '', '', '', '', '', '', '', ''
{no_flush}
RETURNING id
"""
_CLOSE = """
UPDATE smdp_client_es2call SET
    outcome = %(outcome)s, completed_at = %(completed_at)s, latency_ms = %(latency_ms)s,
    execution_status = %(execution_status)s, subject_code = %(subject_code)s,
    reason_code = %(reason_code)s, subject_identifier = %(subject_identifier)s,
    message = %(message)s, retryable = %(retryable)s, failure_kind = %(failure_kind)s,
    http_status = %(http_status)s, error = %(error)s, response_body = %(response_body)s::jsonb
{no_flush}
WHERE smdp_client_es2call.id = %(id)s
"""
_SQL = {
    (statement, no_flush): statement.format(no_flush=_NO_FLUSH if no_flush else "")
    for statement in (_OPEN, _CLOSE)
    for no_flush in (True, False)
}


class _DebugCursor(CursorDebugWrapper):
    """Django's debug cursor reads the SQL back from psycopg, which has none for a server-bound
    statement; this one logs the statement as written, with its parameters beside it."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


def _server_bound_cursor(db: BaseDatabaseWrapper) -> CursorWrapper:
    """A Django cursor whose parameters are bound by the server, so psycopg can prepare it.

    The ORM binds client-side and sends each statement as new text to parse and plan; these two
    statements are the same every call, and preparing them (``DB_PREPARED_STATEMENTS``) halves
    what they cost PostgreSQL. Same checks and wrapping as ``connection.cursor()``.
    """
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        cursor = psycopg.Cursor(db.connection)
    return _DebugCursor(cursor, db) if db.queries_logged else CursorWrapper(cursor, db)


def _write(statement: str, params: dict[str, Any]) -> Any:
    """Run one log statement; it skips the flush wait only when it is its own transaction.

    Inside a caller's transaction the statement joins it, and that transaction keeps its
    durability: lowering it there would also cover the caller's other writes.
    """
    db = connections[DEFAULT_DB_ALIAS]
    with _server_bound_cursor(db) as cursor:
        cursor.execute(_SQL[statement, not db.in_atomic_block], params)
        return cursor.fetchone() if statement is _OPEN else None


def es2call_open(
    *,
    server: SmdpServer,
    function: Es2Function,
    call_id: str,
    iccid: str,
    eid: str,
    request: dict[str, Any],
) -> Es2Call:
    fields: dict[str, Any] = {
        "server_id": server.pk,
        "function": function,
        "function_call_identifier": call_id,
        "iccid": iccid,
        "eid": eid,
        "outcome": CallOutcome.PENDING,
        "request_body": redacted(request),
        "started_at": timezone.now(),
    }
    (call_pk,) = _write(_OPEN, {**fields, "request_body": json.dumps(fields["request_body"])})
    call = Es2Call(pk=call_pk, **fields)
    call.server = server
    call._state.adding = False
    call._state.db = DEFAULT_DB_ALIAS
    return call


def es2call_close(
    call: Es2Call,
    *,
    outcome: CallOutcome,
    started: float | None = None,
    execution_status: str = "",
    subject_code: str = "",
    reason_code: str = "",
    subject_identifier: str = "",
    message: str = "",
    retryable: bool | None = None,
    failure_kind: TransportFailure | None = None,
    http_status: int | None = None,
    error: str = "",
    response: Any = None,
) -> None:
    """Record how the call ended (one UPDATE); ``started`` is the perf_counter at send time.

    ``error`` and ``message`` are free text that may quote the SM-DP+'s answer (a body that broke
    the protocol, a 5xx page), so they are redacted like the bodies: no matching ID or
    confirmation code reaches the log.
    """
    fields: dict[str, Any] = {
        "outcome": outcome,
        "completed_at": timezone.now(),
        "latency_ms": None if started is None else (time.perf_counter() - started) * 1000.0,
        "execution_status": execution_status,
        "subject_code": subject_code,
        "reason_code": reason_code,
        "subject_identifier": subject_identifier,
        "message": redacted(message),
        "retryable": retryable,
        "failure_kind": failure_kind or "",
        "http_status": http_status,
        "error": redacted(error),
        "response_body": None if response is None else redacted(response),
    }
    for name, value in fields.items():
        setattr(call, name, value)
    response_json = None if response is None else json.dumps(fields["response_body"])
    _write(_CLOSE, {**fields, "response_body": response_json, "id": call.pk})


def es2call_resolve(call: Es2Call, *, resolution: str) -> None:
    """Note how a later step settled this call (e.g. "earlier attempt took effect")."""
    call.resolution = resolution
    Es2Call.objects.filter(pk=call.pk).update(resolution=resolution)
