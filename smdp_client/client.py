"""The ES2+ client: the four functions we call on an SM-DP+, typed in and out.

Each call: validate our arguments, write the Es2Call row, pass the per-server guard (circuit
breaker, rate and concurrency limits), POST over mutual TLS, check the answer strictly against
ES2PLUS.md, complete the row, and return a typed result or raise a typed error
(``smdp_client.errors``). It never retries: that is the job of ``services`` (which knows how to
recover lost responses) and of the Celery tasks (backoff).
"""

from __future__ import annotations

import logging
import ssl
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from smdp_client import guard, wire
from smdp_client.calllog import es2call_close, es2call_open, redacted
from smdp_client.choices import (
    ES2_PATH_PREFIX,
    CallOutcome,
    Es2Function,
    FinalProfileStatus,
    TransportFailure,
)
from smdp_client.classification import classify
from smdp_client.errors import Es2FunctionError, Es2ProtocolError, Es2TransportError
from smdp_client.models import Es2Call, SmdpServer
from smdp_client.transport import TransportConfigError, http_client

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DownloadOrderResult:
    iccid: str


@dataclass(frozen=True)
class ConfirmOrderResult:
    matching_id: str = field(repr=False)
    eid: str | None
    smdp_address: str


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "SSL" in str(exc) or "certificate" in str(exc).lower()


def _transport_error(exc: httpx.TransportError) -> Es2TransportError:
    """Name the failure in plain words; connect-phase failures mean nothing was sent."""
    not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    if isinstance(exc, httpx.TimeoutException):
        kind = TransportFailure.TIMEOUT
    elif _is_tls(exc):
        kind = TransportFailure.TLS
    else:
        kind = TransportFailure.CONNECTION
    detail = str(exc) or type(exc).__name__
    return Es2TransportError(kind, detail, sent=not not_sent)


class Es2Client:
    """ES2+ calls to one SM-DP+ (``server``). Cheap to create; connections are pooled."""

    def __init__(self, server: SmdpServer) -> None:
        self.server = server

    # -- the four functions -------------------------------------------------------------------

    def download_order(
        self, *, iccid: str | None = None, eid: str | None = None, profile_type: str | None = None
    ) -> DownloadOrderResult:
        """Reserve a profile (this ICCID, or one of ``profile_type``) at the SM-DP+."""
        if iccid is None and not profile_type:
            raise ValueError("downloadOrder needs an ICCID or a profile type")
        canonical = wire.canonical_iccid(iccid) if iccid is not None else ""
        answer = self._call(
            Es2Function.DOWNLOAD_ORDER,
            {"iccid": canonical or None, "eid": self._eid(eid), "profileType": profile_type},
            iccid=canonical,
            eid=eid or "",
        )
        try:
            returned = wire.canonical_iccid(
                wire.answer_string(answer.answer, "iccid", required=True)
            )
        except (Es2ProtocolError, ValueError) as exc:
            raise self._protocol_failure(answer.call, f"answer iccid: {exc}") from exc
        if canonical and returned != canonical:
            raise self._protocol_failure(
                answer.call, f"answer iccid {returned} is not the ICCID we asked for"
            )
        if not canonical:
            answer.call.iccid = returned
            Es2Call.objects.filter(pk=answer.call.pk).update(iccid=returned)
        return DownloadOrderResult(iccid=returned)

    def confirm_order(
        self,
        *,
        iccid: str,
        release_flag: bool = True,
        eid: str | None = None,
        matching_id: str | None = None,
        confirmation_code: str | None = None,
        smds_address: str | None = None,
    ) -> ConfirmOrderResult:
        """Confirm the reservation; returns the matching ID for the activation code."""
        canonical = wire.canonical_iccid(iccid)
        answer = self._call(
            Es2Function.CONFIRM_ORDER,
            {
                "iccid": canonical,
                "releaseFlag": bool(release_flag),
                "eid": self._eid(eid),
                "matchingId": matching_id,
                "confirmationCode": confirmation_code,
                "smdsAddress": smds_address,
            },
            iccid=canonical,
            eid=eid or "",
        )
        try:
            returned_matching_id = wire.answer_string(answer.answer, "matchingId", required=True)
            returned_eid = wire.answer_string(answer.answer, "eid", required=False)
            address = wire.answer_string(answer.answer, "smdpAddress", required=False)
            if not returned_matching_id:
                raise Es2ProtocolError("answer.matchingId is empty")
            if returned_eid:
                wire.valid_eid(returned_eid)
        except (Es2ProtocolError, ValueError) as exc:
            raise self._protocol_failure(answer.call, str(exc)) from exc
        return ConfirmOrderResult(
            matching_id=returned_matching_id,
            eid=returned_eid or eid or None,
            smdp_address=address or self.server.smdp_address,
        )

    def cancel_order(
        self,
        *,
        iccid: str,
        final_status: str,
        eid: str | None = None,
        matching_id: str | None = None,
    ) -> None:
        """Undo a reservation; ``final_status`` "Available" returns it to stock."""
        canonical = wire.canonical_iccid(iccid)
        final = FinalProfileStatus(final_status)
        self._call(
            Es2Function.CANCEL_ORDER,
            {
                "iccid": canonical,
                "finalProfileStatusIndicator": final.value,
                "eid": self._eid(eid),
                "matchingId": matching_id,
            },
            iccid=canonical,
            eid=eid or "",
        )

    def release_profile(self, *, iccid: str) -> None:
        """Release a profile confirmed with ``release_flag=False``."""
        canonical = wire.canonical_iccid(iccid)
        self._call(Es2Function.RELEASE_PROFILE, {"iccid": canonical}, iccid=canonical, eid="")

    # -- one call -------------------------------------------------------------------------------

    @staticmethod
    def _eid(eid: str | None) -> str | None:
        return wire.valid_eid(eid) if eid else None

    def _protocol_failure(self, call: Es2Call, detail: str) -> Es2ProtocolError:
        call.outcome, call.error = CallOutcome.PROTOCOL_ERROR, redacted(detail)
        Es2Call.objects.filter(pk=call.pk).update(outcome=call.outcome, error=call.error)
        error = Es2ProtocolError(detail)
        error.call_id = call.pk
        return error

    def _call(
        self, function: Es2Function, fields: Mapping[str, Any], *, iccid: str, eid: str
    ) -> _Answered:
        server = self.server
        call_id = str(uuid.uuid4())
        body = wire.request_body(requester_id=server.requester_id, call_id=call_id, fields=fields)
        try:
            # Redis weighs the admission while PostgreSQL writes the row (see ``guard``).
            route: tuple[httpx.Client, guard.Admission] | Es2ProtocolError = (
                self._http_client(),
                guard.Admission(server),
            )
        except Es2ProtocolError as refusal:
            route = refusal
        try:
            call = es2call_open(
                server=server,
                function=function,
                call_id=call_id,
                iccid=iccid,
                eid=eid,
                request=body,
            )
        except BaseException:
            if isinstance(route, tuple):
                route[1].withdraw()
            raise
        try:
            if isinstance(route, Es2ProtocolError):
                es2call_close(call, outcome=CallOutcome.NOT_SENT, error=route.detail)
                raise route
            return _Answered(call, self._exchange(call, function, body, *route))
        except (Es2FunctionError, Es2TransportError, Es2ProtocolError) as exc:
            exc.call_id = call.pk
            raise
        finally:
            logger.info(
                "es2_call",
                extra={
                    "server": server.name,
                    "function": function.value,
                    "call": call_id,
                    "iccid": iccid,
                    "outcome": call.outcome,
                    "code": call.code,
                    "latency_ms": call.latency_ms,
                },
            )

    def _http_client(self) -> httpx.Client:
        """The pooled HTTP client, or the reason this server cannot be called at all."""
        server = self.server
        if not server.enabled:
            raise Es2ProtocolError(f"SM-DP+ server {server.name} is disabled", sent=False)
        try:
            return http_client(server)
        except TransportConfigError as exc:
            raise Es2ProtocolError(f"cannot call {server.name}: {exc}", sent=False) from exc

    def _exchange(
        self,
        call: Es2Call,
        function: Es2Function,
        body: dict[str, Any],
        client: httpx.Client,
        admission: guard.Admission,
    ) -> wire.Answer:
        server = self.server
        try:
            slot = admission.slot()
        except Es2TransportError as exc:
            es2call_close(
                call, outcome=CallOutcome.NOT_SENT, failure_kind=exc.kind, error=exc.detail
            )
            raise
        # Redis settles the slot while PostgreSQL completes the row.
        settlement = guard.Settlement(server, slot)
        started = time.perf_counter()
        try:
            try:
                response = client.post(
                    f"{ES2_PATH_PREFIX}{function.value}",
                    content=wire.encode(body),
                    headers=wire.request_headers(server.admin_protocol),
                )
            except httpx.TransportError as exc:
                settlement.send(transport_failed=True)
                error = _transport_error(exc)
                es2call_close(
                    call,
                    outcome=CallOutcome.UNKNOWN if error.sent else CallOutcome.NOT_SENT,
                    started=started,
                    failure_kind=error.kind,
                    error=error.detail,
                    retryable=True,
                )
                raise error from exc
            status_code = response.status_code
            if status_code >= 500 or status_code == 429:
                settlement.send(transport_failed=True)
                es2call_close(
                    call,
                    outcome=CallOutcome.UNKNOWN,
                    started=started,
                    failure_kind=TransportFailure.HTTP_STATUS,
                    http_status=status_code,
                    error=response.text[:2000],
                    retryable=True,
                )
                raise Es2TransportError(
                    TransportFailure.HTTP_STATUS,
                    f"HTTP {status_code} from {server.name}",
                    http_status=status_code,
                )
            settlement.send(transport_failed=False)
            return self._read(call, response, started)
        finally:
            settlement.finish()

    def _read(self, call: Es2Call, response: httpx.Response, started: float) -> wire.Answer:
        status_code = response.status_code
        try:
            if status_code != 200:
                raise Es2ProtocolError(
                    f"HTTP {status_code} from {self.server.name} (ES2+ answers with 200)",
                    http_status=status_code,
                )
            answer = wire.parse_answer(
                response.headers.get("content-type", ""),
                response.headers.get("x-admin-protocol", ""),
                response.content,
            )
        except Es2ProtocolError as exc:
            es2call_close(
                call,
                outcome=CallOutcome.PROTOCOL_ERROR,
                started=started,
                http_status=status_code,
                error=f"{exc.detail}\n{response.text[:2000]}",
                retryable=False,
            )
            raise
        code_fields: dict[str, Any] = {
            "execution_status": answer.status.value,
            "subject_code": answer.subject_code,
            "reason_code": answer.reason_code,
            "subject_identifier": answer.subject_identifier,
            "message": answer.message,
        }
        if answer.succeeded:
            es2call_close(
                call,
                outcome=CallOutcome.SUCCEEDED,
                started=started,
                http_status=status_code,
                response=answer.body,
                **code_fields,
            )
            return answer
        verdict = classify(answer.subject_code, answer.reason_code)
        es2call_close(
            call,
            outcome=CallOutcome.FAILED,
            started=started,
            http_status=status_code,
            response=answer.body,
            retryable=verdict.retryable,
            **code_fields,
        )
        raise Es2FunctionError(
            answer.subject_code,
            answer.reason_code,
            answer.message,
            verdict.retryable,
            status=answer.status.value,
            subject_identifier=answer.subject_identifier,
            action=verdict.action.value,
        )


@dataclass(frozen=True)
class _Answered:
    call: Es2Call
    answer: wire.Answer
