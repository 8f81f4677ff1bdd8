"""The ES2+ wire format of ES2PLUS.md: request bodies out, answers checked strictly on the way in.

Pure functions, no I/O, so the golden tests and the client agree on one spelling of the bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from smdp_client.choices import (
    ADMIN_PROTOCOL_PREFIX,
    REQUEST_CONTENT_TYPE,
    ExecutionStatus,
)
from smdp_client.errors import Es2ProtocolError

# ASCII digits only and matched whole (``fullmatch``): ``\d`` takes any Unicode digit and ``$``
# matches before a trailing newline, and neither belongs in an identifier we store or send.
ICCID_WIRE = re.compile(r"[0-9]{19}[Ff]?|[0-9]{20}")
EID_WIRE = re.compile(r"[0-9]{32}")
USER_AGENT = "CoreESIM-ES2/1.0"


def canonical_iccid(value: str) -> str:
    """The digits of an ICCID as sent on the wire (19 or 20 digits, or 19 plus an ``F``).

    Raises ``ValueError`` for anything else.
    """
    if not isinstance(value, str) or not ICCID_WIRE.fullmatch(value):
        raise ValueError(f"not an ICCID: {value!r} (19 or 20 digits, optionally F-padded)")
    return value[:19] if value[-1] in "Ff" else value


def valid_eid(value: str) -> str:
    if not isinstance(value, str) or not EID_WIRE.fullmatch(value):
        raise ValueError(f"not an EID: {value!r} (32 digits)")
    return value


def request_headers(admin_protocol: str) -> dict[str, str]:
    return {
        "Content-Type": REQUEST_CONTENT_TYPE,
        "X-Admin-Protocol": admin_protocol,
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }


def request_body(*, requester_id: str, call_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Envelope plus the function's fields; ``None`` values are left out, not sent as null."""
    body: dict[str, Any] = {
        "header": {
            "functionRequesterIdentifier": requester_id,
            "functionCallIdentifier": call_id,
        }
    }
    body.update({k: v for k, v in fields.items() if v is not None})
    return body


def encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Answer:
    """A well-formed ES2+ answer: the execution status and the whole body."""

    status: ExecutionStatus
    body: dict[str, Any]
    subject_code: str = ""
    reason_code: str = ""
    subject_identifier: str = ""
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status in (ExecutionStatus.SUCCESS, ExecutionStatus.WARNING)


def _string(container: Mapping[str, Any], key: str, where: str, *, required: bool) -> str:
    value = container.get(key)
    if value is None:
        if required:
            raise Es2ProtocolError(f"{where}.{key} is missing")
        return ""
    if not isinstance(value, str):
        raise Es2ProtocolError(f"{where}.{key} must be a string, got {type(value).__name__}")
    return value


def parse_answer(content_type: str, admin_protocol: str, content: bytes) -> Answer:
    """Check an HTTP 200 answer against ES2PLUS.md and read its execution status."""
    if not content_type.lower().startswith("application/json"):
        raise Es2ProtocolError(
            f"answer Content-Type is {content_type or 'missing'!r}, expected application/json"
        )
    if not admin_protocol.startswith(ADMIN_PROTOCOL_PREFIX):
        raise Es2ProtocolError(
            f"answer X-Admin-Protocol is {admin_protocol or 'missing'!r}, "
            f"expected {ADMIN_PROTOCOL_PREFIX}…"
        )
    try:
        body = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Es2ProtocolError(f"answer body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise Es2ProtocolError("answer body is not a JSON object")
    header = body.get("header")
    if not isinstance(header, dict):
        raise Es2ProtocolError("answer has no header object")
    execution = header.get("functionExecutionStatus")
    if not isinstance(execution, dict):
        raise Es2ProtocolError("answer header has no functionExecutionStatus object")
    raw_status = _string(execution, "status", "functionExecutionStatus", required=True)
    try:
        status = ExecutionStatus(raw_status)
    except ValueError:
        raise Es2ProtocolError(f"unknown functionExecutionStatus.status {raw_status!r}") from None
    code_data = execution.get("statusCodeData")
    if code_data is None:
        if status in (ExecutionStatus.FAILED, ExecutionStatus.EXPIRED):
            raise Es2ProtocolError(f"status {raw_status} without statusCodeData")
        return Answer(status, body)
    if not isinstance(code_data, dict):
        raise Es2ProtocolError("statusCodeData is not an object")
    where = "statusCodeData"
    return Answer(
        status,
        body,
        subject_code=_string(code_data, "subjectCode", where, required=True),
        reason_code=_string(code_data, "reasonCode", where, required=True),
        subject_identifier=_string(code_data, "subjectIdentifier", where, required=False),
        message=_string(code_data, "message", where, required=False),
    )


def answer_string(answer: Answer, key: str, *, required: bool) -> str:
    return _string(answer.body, key, "answer", required=required)
