"""Plays the traveler's device: handleDownloadProgressInfo notifications to the operator.

After confirmOrder with releaseFlag (or releaseProfile) the simulator, like a real SM-DP+ whose
profile gets downloaded, sends notification 3 (BPP download) then 4 (BPP installation) with
an EID to ``notify_url``. Tests and demos can also send any notification on demand.
Deliveries that do not get HTTP 204 are retried a few times, as SM-DP+ servers do.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

logger = logging.getLogger(__name__)

ADMIN_PROTOCOL = "gsma/rsp/v2.5.0"
SECRET_HEADER = "X-CoreESIM-Secret"
DELIVERY_ATTEMPTS = 3
RETRY_PAUSE_SECONDS = 0.5
EID_PREFIX = "89049032"
# Publicly known: the demo's simulator record and `make run` share it. Development only.
DEV_SIMULATOR_SECRET = "coreesim-dev-simulator-secret"


def random_eid(rng: random.Random) -> str:
    return EID_PREFIX + "".join(rng.choices("0123456789", k=24))


@dataclass
class NotifierConfig:
    url: str = ""
    secret: str = ""
    requester_id: str = "coreesim-simulator"
    delay_ms: int = 1500
    auto: bool = True
    extra_headers: dict[str, str] = field(default_factory=dict)


def notification_body(
    *,
    iccid: str,
    profile_type: str,
    point: int,
    status: str,
    eid: str | None,
    requester_id: str,
    call_id: str | None = None,
    status_code_data: dict[str, str] | None = None,
    result_data: str | None = None,
) -> dict[str, Any]:
    point_status: dict[str, Any] = {"status": status}
    if status_code_data:
        point_status["statusCodeData"] = status_code_data
    body: dict[str, Any] = {
        "header": {
            "functionRequesterIdentifier": requester_id,
            "functionCallIdentifier": call_id or str(uuid.uuid4()),
        },
        "iccid": iccid,
        "profileType": profile_type,
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "notificationPointId": point,
        "notificationPointStatus": point_status,
    }
    if eid:
        body["eid"] = eid
    if result_data:
        body["resultData"] = result_data
    return body


class Notifier:
    """Sends notifications over HTTP(S) and keeps a log of what was sent and answered."""

    def __init__(self, config: NotifierConfig) -> None:
        self.config = config
        self.sent: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=10.0, trust_env=False)

    def close(self) -> None:
        self._client.close()

    def deliver(self, body: dict[str, Any], *, attempts: int = DELIVERY_ATTEMPTS) -> int | None:
        """POST one notification; returns the last HTTP status (None: no answer at all)."""
        if not self.config.url:
            return None
        headers = {
            "Content-Type": "application/json;charset=UTF-8",
            "X-Admin-Protocol": ADMIN_PROTOCOL,
            **self.config.extra_headers,
        }
        if self.config.secret:
            headers[SECRET_HEADER] = self.config.secret
        status: int | None = None
        for attempt in range(1, attempts + 1):
            try:
                response = self._client.post(
                    self.config.url, content=json.dumps(body).encode(), headers=headers
                )
                status = response.status_code
            except httpx.HTTPError as exc:
                logger.warning("simulator_notify_failed", extra={"error": str(exc)})
                status = None
            with self._lock:
                self.sent.append({"body": body, "status": status, "attempt": attempt})
            if status == 204 or (status is not None and 400 <= status < 500 and status != 429):
                return status
            time.sleep(RETRY_PAUSE_SECONDS * attempt)
        return status

    def play_device(
        self, bodies: list[dict[str, Any]], on_delivered: Callable[[dict[str, Any]], None]
    ) -> None:
        """Send ``bodies`` one after another in a background thread, pausing between them."""

        def run() -> None:
            for body in bodies:
                time.sleep(self.config.delay_ms / 1000.0)
                on_delivered(body)
                self.deliver(body)

        threading.Thread(target=run, name="sim-device", daemon=True).start()
