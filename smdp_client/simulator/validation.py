"""Strict checks of incoming ES2+ requests: HTTP headers first, then envelope and fields.

HTTP-level problems (wrong path, method, media type, protocol header, unparseable body) are
answered with an HTTP error, as a web server in front of a real SM-DP+ would. Envelope and
field problems are ES2+ failures on HTTP 200 with SGP.22 reason codes:
2.2 mandatory element missing, 2.3 conditional element missing, 2.1 invalid, 1.1 unknown
function requester.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

FUNCTIONS = ("downloadOrder", "confirmOrder", "cancelOrder", "releaseProfile")
# Matched whole (``fullmatch``) with ASCII digits, as ``smdp_client.wire`` checks what we send:
# ``\d`` takes any Unicode digit and ``$`` matches before a trailing newline, and a strict
# SM-DP+ refuses both.
ADMIN_PROTOCOL = re.compile(r"gsma/rsp/v2\.[0-9]+\.[0-9]+")
ICCID = re.compile(r"[0-9]{19}F?|[0-9]{20}")
EID = re.compile(r"[0-9]{32}")
MATCHING_ID = re.compile(r"[0-9A-Z-]{1,255}")
FQDN = re.compile(
    r"(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)

# Subject codes (SGP.22) of the elements we check.
SUBJECT_REQUESTER = "8.1"
SUBJECT_EID = "8.1.1"
SUBJECT_ICCID = "8.2.1"
SUBJECT_PROFILE = "8.2"
SUBJECT_PROFILE_TYPE = "8.2.5"
SUBJECT_MATCHING_ID = "8.2.6"
SUBJECT_CONFIRMATION_CODE = "8.2.7"
SUBJECT_SMDS = "8.9"

MISSING, CONDITIONAL_MISSING, INVALID, UNKNOWN_REQUESTER = "2.2", "2.3", "2.1", "1.1"

# element -> (subject code, mandatory, kind)
FIELDS: dict[str, dict[str, tuple[str, bool, str]]] = {
    "downloadOrder": {
        "iccid": (SUBJECT_ICCID, False, "iccid"),
        "eid": (SUBJECT_EID, False, "eid"),
        "profileType": (SUBJECT_PROFILE_TYPE, False, "text"),
    },
    "confirmOrder": {
        "iccid": (SUBJECT_ICCID, True, "iccid"),
        "releaseFlag": (SUBJECT_PROFILE, True, "bool"),
        "eid": (SUBJECT_EID, False, "eid"),
        "matchingId": (SUBJECT_MATCHING_ID, False, "matching_id"),
        "confirmationCode": (SUBJECT_CONFIRMATION_CODE, False, "text"),
        "smdsAddress": (SUBJECT_SMDS, False, "fqdn"),
    },
    "cancelOrder": {
        "iccid": (SUBJECT_ICCID, True, "iccid"),
        "finalProfileStatusIndicator": (SUBJECT_PROFILE, True, "final_status"),
        "eid": (SUBJECT_EID, False, "eid"),
        "matchingId": (SUBJECT_MATCHING_ID, False, "matching_id"),
    },
    "releaseProfile": {"iccid": (SUBJECT_ICCID, True, "iccid")},
}


@dataclass(frozen=True)
class HttpRefusal(Exception):
    """The request is refused at HTTP level."""

    status: int
    message: str


@dataclass(frozen=True)
class Es2Refusal(Exception):
    """The request is refused as an ES2+ failure (HTTP 200, status Failed)."""

    subject_code: str
    reason_code: str
    message: str
    subject_identifier: str = ""


def check_http(method: str, path: str, headers: Any, body: bytes) -> tuple[str, dict[str, Any]]:
    """The function name and parsed body of a well-formed ES2+ HTTP request."""
    prefix = "/gsma/rsp2/es2plus/"
    function = path[len(prefix) :] if path.startswith(prefix) else ""
    if function not in FUNCTIONS:
        raise HttpRefusal(404, f"no ES2+ function at {path}")
    if method != "POST":
        raise HttpRefusal(405, "ES2+ functions are called with POST")
    media, _, params = (headers.get("Content-Type") or "").partition(";")
    if media.strip().lower() != "application/json":
        raise HttpRefusal(415, "Content-Type must be application/json;charset=UTF-8")
    for param in filter(None, (p.strip() for p in params.split(";"))):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise HttpRefusal(415, "the only charset accepted is UTF-8")
    protocol = headers.get("X-Admin-Protocol") or ""
    if not ADMIN_PROTOCOL.fullmatch(protocol):
        raise HttpRefusal(400, "X-Admin-Protocol must be gsma/rsp/v2.<minor>.<patch>")
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HttpRefusal(400, f"the body is not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise HttpRefusal(400, "the body must be a JSON object")
    return function, parsed


def check_header(body: dict[str, Any], requester_id: str | None) -> tuple[str, str]:
    """functionRequesterIdentifier and functionCallIdentifier of a request."""
    header = body.get("header")
    if header is None:
        raise Es2Refusal(SUBJECT_REQUESTER, MISSING, "header is missing")
    if not isinstance(header, dict):
        raise Es2Refusal(SUBJECT_REQUESTER, INVALID, "header must be an object")
    extra = set(header) - {"functionRequesterIdentifier", "functionCallIdentifier"}
    if extra:
        raise Es2Refusal(SUBJECT_REQUESTER, INVALID, f"unknown header element {sorted(extra)[0]}")
    values = []
    for name in ("functionRequesterIdentifier", "functionCallIdentifier"):
        value = header.get(name)
        if value is None:
            raise Es2Refusal(SUBJECT_REQUESTER, MISSING, f"header.{name} is missing")
        if not isinstance(value, str) or not value.strip():
            raise Es2Refusal(
                SUBJECT_REQUESTER, INVALID, f"header.{name} must be a non-empty string"
            )
        values.append(value)
    if requester_id is not None and values[0] != requester_id:
        raise Es2Refusal(
            SUBJECT_REQUESTER, UNKNOWN_REQUESTER, "unknown function requester", values[0]
        )
    return values[0], values[1]


def _check_value(name: str, kind: str, value: Any, subject: str) -> Any:
    def invalid(why: str) -> Es2Refusal:
        return Es2Refusal(subject, INVALID, f"{name} {why}", str(value)[:64])

    if kind == "bool":
        if not isinstance(value, bool):
            raise invalid("must be true or false")
        return value
    if not isinstance(value, str):
        raise invalid("must be a string")
    if kind == "iccid" and not ICCID.fullmatch(value):
        raise invalid("must be 19 or 20 digits (a 19-digit ICCID may end in F)")
    if kind == "eid" and not EID.fullmatch(value):
        raise invalid("must be 32 digits")
    if kind == "matching_id" and not MATCHING_ID.fullmatch(value):
        raise invalid("may only hold 0-9, A-Z and '-'")
    if kind == "fqdn" and not FQDN.fullmatch(value):
        raise invalid("must be a fully qualified domain name")
    if kind == "final_status" and value not in ("Available", "Unavailable"):
        raise invalid("must be Available or Unavailable")
    if kind == "text" and not value.strip():
        raise invalid("must not be empty")
    return value


def check_fields(function: str, body: dict[str, Any]) -> dict[str, Any]:
    """The function's elements, type-checked; unknown elements and nulls are refused."""
    spec = FIELDS[function]
    extra = set(body) - set(spec) - {"header"}
    if extra:
        name = sorted(extra)[0]
        raise Es2Refusal(SUBJECT_REQUESTER, INVALID, f"unknown element {name} for {function}")
    values: dict[str, Any] = {}
    for name, (subject, mandatory, kind) in spec.items():
        if name not in body:
            if mandatory:
                raise Es2Refusal(subject, MISSING, f"{name} is mandatory in {function}")
            continue
        values[name] = _check_value(name, kind, body[name], subject)
    if function == "downloadOrder" and "iccid" not in values and "profileType" not in values:
        raise Es2Refusal(
            SUBJECT_ICCID, CONDITIONAL_MISSING, "downloadOrder needs an iccid or a profileType"
        )
    return values
