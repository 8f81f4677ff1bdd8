"""Fault injection: what the next matching call(s) should suffer instead of a clean answer.

A fault is registered through ``POST /_sim/faults`` and applies to the next ``times`` calls of
``function`` (or of any function with ``*``). ``after_commit`` decides whether the simulated
SM-DP+ changes its state first (a lost response) or not (a failure before processing).

Actions:
- ``latency`` (``ms``): answer normally, that much later.
- ``http_error`` (``status``): answer with that HTTP status and a plain-text body.
- ``hang`` (``seconds``): say nothing for that long, then close (the client times out).
- ``drop``: close the connection without an answer (default after the state changed).
- ``malformed`` (``kind``): a broken answer, one of ``MALFORMED_KINDS``.
- ``fail`` (``subjectCode``, ``reasonCode``, ``message``, ``status``): an ES2+ failure with
  those codes, without touching the state.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

ACTIONS = ("latency", "http_error", "hang", "drop", "malformed", "fail")
MALFORMED_KINDS = (
    "bad_json",
    "not_an_object",
    "no_admin_protocol",
    "wrong_content_type",
    "unknown_status",
    "no_status_code_data",
    "missing_field",
)
DEFAULT_AFTER_COMMIT = {"drop": True}


@dataclass
class Fault:
    function: str
    action: str
    times: int = 1
    after_commit: bool = False
    ms: int = 0
    status: int = 503
    seconds: float = 30.0
    kind: str = "bad_json"
    subject_code: str = "8.2.1"
    reason_code: str = "3.9"
    message: str = "injected failure"
    execution_status: str = "Failed"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        action = data.get("action")
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
        kind = data.get("kind", "bad_json")
        if action == "malformed" and kind not in MALFORMED_KINDS:
            raise ValueError(f"kind must be one of {', '.join(MALFORMED_KINDS)}")
        return cls(
            function=str(data.get("function", "*")),
            action=action,
            times=int(data.get("times", 1)),
            after_commit=bool(data.get("after_commit", DEFAULT_AFTER_COMMIT.get(action, False))),
            ms=int(data.get("ms", 0)),
            status=int(data.get("status", 503)),
            seconds=float(data.get("seconds", 30.0)),
            kind=kind,
            subject_code=str(data.get("subjectCode", "8.2.1")),
            reason_code=str(data.get("reasonCode", "3.9")),
            message=str(data.get("message", "injected failure")),
            execution_status=str(data.get("status_text", "Failed")),
        )


class FaultBook:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, function: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.function in ("*", function):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [vars(f).copy() for f in self._faults]
