"""The Es2Call log: a row before every request leaves, completed when the call ends.

Each write is its own short transaction: call the client outside ``transaction.atomic`` so
the row that says "we sent this" is committed before the request leaves, and survives even if
the caller's transaction rolls back or the worker dies mid-call. That row is what makes lost
responses recoverable (``services``).

Both writes commit without waiting for the WAL flush (``synchronous_commit off`` for these
transactions only). A killed worker or web process loses nothing by it; only a crash of
PostgreSQL itself within its WAL writer delay (200 ms by default) can lose the newest rows,
and both losses fall on the safe side: a lost completion leaves the row "pending" (read as
"may have acted"), a lost opening row makes a later "already in use" a real conflict that
is raised for staff instead of being taken as our reservation; never a second sale. Waiting
for the flush would otherwise dominate the client's cost per call.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from coreesim.logging import redact_value
from smdp_client.choices import CallOutcome, Es2Function, TransportFailure
from smdp_client.models import Es2Call, SmdpServer


def redacted(body: Any) -> Any:
    """A body with matching IDs, confirmation codes and activation codes masked."""
    return redact_value("", body)


def _without_waiting_for_the_flush() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def es2call_open(
    *,
    server: SmdpServer,
    function: Es2Function,
    call_id: str,
    iccid: str,
    eid: str,
    request: dict[str, Any],
) -> Es2Call:
    with transaction.atomic():
        _without_waiting_for_the_flush()
        return Es2Call.objects.create(
            server=server,
            function=function,
            function_call_identifier=call_id,
            iccid=iccid,
            eid=eid,
            request_body=redacted(request),
        )


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
    iccid: str | None = None,
) -> None:
    """Record how the call ended (one UPDATE); ``started`` is the perf_counter at send time."""
    fields: dict[str, Any] = {
        "outcome": outcome,
        "completed_at": timezone.now(),
        "latency_ms": None if started is None else (time.perf_counter() - started) * 1000.0,
        "execution_status": execution_status,
        "subject_code": subject_code,
        "reason_code": reason_code,
        "subject_identifier": subject_identifier,
        "message": message,
        "retryable": retryable,
        "failure_kind": failure_kind or "",
        "http_status": http_status,
        "error": error,
        "response_body": None if response is None else redacted(response),
    }
    if iccid:
        fields["iccid"] = iccid
    for name, value in fields.items():
        setattr(call, name, value)
    with transaction.atomic():
        _without_waiting_for_the_flush()
        Es2Call.objects.filter(pk=call.pk).update(**fields)


def es2call_resolve(call: Es2Call, *, resolution: str) -> None:
    """Note how a later step settled this call (e.g. "earlier attempt took effect")."""
    call.resolution = resolution
    Es2Call.objects.filter(pk=call.pk).update(resolution=resolution)
