"""Validation of an incoming handleDownloadProgressInfo body (ES2PLUS.md "Notifications").

Mandatory: the header (functionRequesterIdentifier, functionCallIdentifier), ``iccid`` (19 or
20 digits, a 19-digit one possibly F-padded), ``profileType``, ``timestamp`` (ISO 8601),
``notificationPointId`` (an integer; any value that fits the stored integer is accepted and
kept) and ``notificationPointStatus`` with its ``status``. Optional: ``eid`` (32 digits),
``resultData`` (kept as received). No key or string anywhere in the body may hold a NUL
character or an unpaired surrogate, which PostgreSQL cannot store. Anything wrong is a
``NotificationInvalid`` whose message says what, so the SM-DP+ gets a 400 rather than a 500 it
would retry for ever.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smdp_client import wire

# The range of the integer column that stores notificationPointId.
POINT_MIN, POINT_MAX = -(2**31), 2**31 - 1
_POINT_DIGITS = re.compile(r"[0-9]{1,10}")
# NUL and unpaired surrogates (JSON's "\u0000", "\ud800") are valid JSON but not storable text.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class NotificationInvalid(ValueError):
    """The body is not a valid notification; the message is meant for the sender."""


@dataclass(frozen=True)
class ParsedNotification:
    requester_id: str
    call_id: str
    iccid: str
    profile_type: str
    timestamp: datetime
    point: int
    point_status: str
    status_code_data: dict[str, Any] | None
    eid: str
    result_data: str
    payload: dict[str, Any]


def _text(container: dict[str, Any], key: str, where: str = "") -> str:
    name = f"{where}{key}"
    if key not in container or container[key] is None:
        raise NotificationInvalid(f"{name} is missing")
    value = container[key]
    if not isinstance(value, str) or not value.strip():
        raise NotificationInvalid(f"{name} must be a non-empty string")
    return value


def _timestamp(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise NotificationInvalid(
            f"timestamp {value!r} is not ISO 8601 (e.g. 2026-11-24T10:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _point(value: Any) -> int:
    if isinstance(value, str) and _POINT_DIGITS.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not POINT_MIN <= value <= POINT_MAX:
        raise NotificationInvalid(
            f"notificationPointId must be an integer from {POINT_MIN} to {POINT_MAX}"
        )
    return value


def _unstorable_at(value: Any, where: str) -> str | None:
    """The path of the first key or string PostgreSQL cannot store, or None."""
    if isinstance(value, str):
        return where if _UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else key
            found = path if _UNSTORABLE.search(key) else _unstorable_at(item, path)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unstorable_at(item, f"{where}[{index}]")
            if found is not None:
                return found
    return None


def notification_parse(raw: bytes) -> ParsedNotification:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # also too many digits, too deeply nested
        raise NotificationInvalid(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise NotificationInvalid("the body must be a JSON object")
    unstorable = _unstorable_at(body, "")
    if unstorable is not None:
        raise NotificationInvalid(
            f"{unstorable!r} contains a NUL character or an unpaired surrogate (\\u0000, "
            "\\ud800-\\udfff), which cannot be stored"
        )
    header = body.get("header")
    if not isinstance(header, dict):
        raise NotificationInvalid("header is missing or not an object")
    requester = _text(header, "functionRequesterIdentifier", "header.")
    call_id = _text(header, "functionCallIdentifier", "header.")
    if len(call_id) > 255 or len(requester) > 255:
        raise NotificationInvalid("header identifiers may be at most 255 characters")
    try:
        iccid = wire.canonical_iccid(_text(body, "iccid"))
    except ValueError as exc:
        raise NotificationInvalid(str(exc)) from None
    profile_type = _text(body, "profileType")
    timestamp = _timestamp(_text(body, "timestamp"))
    if "notificationPointId" not in body:
        raise NotificationInvalid("notificationPointId is missing")
    point = _point(body["notificationPointId"])
    status_block = body.get("notificationPointStatus")
    if not isinstance(status_block, dict):
        raise NotificationInvalid("notificationPointStatus is missing or not an object")
    status = _text(status_block, "status", "notificationPointStatus.")
    code_data = status_block.get("statusCodeData")
    if code_data is not None and not isinstance(code_data, dict):
        raise NotificationInvalid("notificationPointStatus.statusCodeData must be an object")
    eid = ""
    if body.get("eid") is not None:
        try:
            eid = wire.valid_eid(body["eid"])
        except ValueError as exc:
            raise NotificationInvalid(str(exc)) from None
    result_data = body.get("resultData")
    if result_data is not None and not isinstance(result_data, str):
        raise NotificationInvalid("resultData must be a (base64) string")
    return ParsedNotification(
        requester_id=requester,
        call_id=call_id,
        iccid=iccid,
        profile_type=profile_type[:255],
        timestamp=timestamp,
        point=point,
        point_status=status[:64],
        status_code_data=code_data,
        eid=eid,
        result_data=result_data or "",
        payload=body,
    )
