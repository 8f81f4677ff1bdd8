"""The Es2Call log: a row before every request leaves, completed when the call ends.

Written in autocommit on purpose: call the client outside ``transaction.atomic`` so the row
that says "we sent this" is committed (and flushed) before the request leaves, and survives
even if the caller's transaction rolls back or the worker dies mid-call. That row is what makes
lost responses recoverable (``services``). The completion is committed without waiting for
the WAL flush (see ``es2call_close``).
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


def es2call_open(
    *,
    server: SmdpServer,
    function: Es2Function,
    call_id: str,
    iccid: str,
    eid: str,
    request: dict[str, Any],
) -> Es2Call:
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
        # The completion need not wait for the WAL flush: if a crash loses it, the row stays
        # "pending", which every reader already treats as "may have acted" (the safe side).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        Es2Call.objects.filter(pk=call.pk).update(**fields)


def es2call_resolve(call: Es2Call, *, resolution: str) -> None:
    """Note how a later step settled this call (e.g. "earlier attempt took effect")."""
    call.resolution = resolution
    Es2Call.objects.filter(pk=call.pk).update(resolution=resolution)
