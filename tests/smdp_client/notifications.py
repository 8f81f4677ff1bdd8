"""Building notification bodies and posting them like an SM-DP+ would."""

from __future__ import annotations

import json
import uuid
from typing import Any

from coreesim.secrets import reveal

URL = "/gsma/rsp2/es2plus/handleDownloadProgressInfo"
EID = "89049032000000000000000000000999"


def body(iccid: str, point: int = 3, status: str = "Executed-Success", **extra: Any) -> dict:
    payload: dict[str, Any] = {
        "header": {
            "functionRequesterIdentifier": "smdp-acme",
            "functionCallIdentifier": extra.pop("call_id", str(uuid.uuid4())),
        },
        "iccid": iccid,
        "profileType": "SIM-DATA",
        "timestamp": "2026-11-24T10:00:00Z",
        "notificationPointId": point,
        "notificationPointStatus": {"status": status},
        "eid": EID,
    }
    payload.update(extra)
    return payload


def post(client, server, payload: Any, *, secret: str | None = None, **headers: str):
    raw = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    if secret is None:
        secret = reveal(server.inbound_secret) if server is not None else None
    if secret:
        headers["HTTP_X_COREESIM_SECRET"] = secret
    return client.post(URL, data=raw, content_type="application/json;charset=UTF-8", **headers)
