"""Typed ES2+ failures, so callers branch on what happened, not on message text.

- ``Es2FunctionError``: the SM-DP+ answered and refused (``Failed``/``Expired``). The call had
  a definite outcome; ``retryable`` comes from the staff-editable classification table.
- ``Es2TransportError``: no usable answer (timeout, TLS, connection, HTTP 5xx/429, or refused
  before sending by our own breaker/limits). Unless ``sent`` is False the SM-DP+ may or may not
  have acted on the call. Always retryable; a ``TransientError``, so Celery tasks retry it.
- ``Es2ProtocolError``: an answer that breaks ES2PLUS.md (headers, JSON, unknown status,
  missing mandatory field), or a call we could not make at all (the server is disabled or its
  TLS settings are broken: ``sent`` False). Not retryable: one of the two sides has a bug, or
  staff must fix the server record.
"""

from __future__ import annotations

from coreesim.tasks import TransientError
from smdp_client.choices import TransportFailure


class Es2Error(Exception):
    """Base of every ES2+ failure. ``call_id`` names the Es2Call row, when one was written."""

    call_id: int | None = None
    retryable: bool = False


class Es2FunctionError(Es2Error):
    """The SM-DP+ executed the function and reported ``Failed`` or ``Expired``."""

    def __init__(
        self,
        subject_code: str,
        reason_code: str,
        message: str,
        retryable: bool,
        *,
        status: str = "Failed",
        subject_identifier: str = "",
        action: str = "none",
    ) -> None:
        self.subject_code = subject_code
        self.reason_code = reason_code
        self.message = message
        self.retryable = retryable
        self.status = status
        self.subject_identifier = subject_identifier
        self.action = action
        # args are the constructor's, so Celery and pickle can rebuild the exception.
        super().__init__(subject_code, reason_code, message, retryable)

    def __str__(self) -> str:
        return f"{self.status} {self.subject_code}/{self.reason_code}: {self.message}".strip()

    @property
    def code(self) -> tuple[str, str]:
        return (self.subject_code, self.reason_code)


class Es2TransportError(Es2Error, TransientError):
    """No usable answer. ``sent`` False means the request never left (breaker, limits)."""

    retryable = True

    def __init__(
        self,
        kind: TransportFailure,
        detail: str,
        *,
        http_status: int | None = None,
        sent: bool = True,
    ) -> None:
        self.kind = TransportFailure(kind)
        self.detail = detail
        self.http_status = http_status
        self.sent = sent
        super().__init__(kind, detail)

    def __str__(self) -> str:
        return f"{self.kind.label}: {self.detail}"

    @property
    def outcome_unknown(self) -> bool:
        return self.sent


class Es2ProtocolError(Es2Error):
    """The answer does not follow the ES2+ contract. ``sent`` False: the call never left."""

    def __init__(self, detail: str, *, http_status: int | None = None, sent: bool = True) -> None:
        self.detail = detail
        self.http_status = http_status
        self.sent = sent
        super().__init__(detail)
