"""The simulator's control API (``/_sim/…``): inventory, faults, device and inspection.

- ``POST /_sim/reset``: forget profiles, faults, recorded requests and sent notifications.
- ``POST /_sim/profiles`` ``{"iccid", "profileType"?, "state"?}``: register or set a profile
  (``state`` one of the SM-DP+ states, or ``Unknown`` to make an ICCID unknown).
- ``GET /_sim/profiles/<iccid>``: one profile (404 if unknown).
- ``POST /_sim/faults`` (see ``faults``); ``DELETE /_sim/faults``; ``GET /_sim/faults``.
- ``POST /_sim/refused-eids`` ``{"eids": [...]}``: EIDs that downloadOrder/confirmOrder refuse.
- ``POST /_sim/config`` ``{"notify_url", "notify_secret", "device_delay_ms", "auto_device",
  "smdp_address", "pad_iccids", "latency_ms", "fail_rate", "requester_id"}``: change settings.
- ``POST /_sim/notify`` ``{"iccid", "points": [3, 4], "eid"?, "status"?, "statusCodeData"?,
  "functionCallIdentifier"?, "profileType"?, "resultData"?}``: "the traveler did it now":
  sends those notifications synchronously and answers with each HTTP status.
- ``GET /_sim/requests`` (``DELETE`` clears): ES2+ requests as received (headers and body).
- ``GET /_sim/notifications``: notifications sent and the answers they got.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from smdp_client.simulator.device import notification_body, random_eid
from smdp_client.simulator.faults import Fault
from smdp_client.simulator.inventory import SimProfile, digits_of

if TYPE_CHECKING:
    from smdp_client.simulator.server import Es2Handler, SimulatorState


def schedule_device(sim: SimulatorState, profile: SimProfile) -> None:
    """After a release, like a real device would: download (3) then install (4)."""
    config = sim.config.notifier
    if not (config.url and config.auto):
        return
    eid = profile.eid or random_eid(sim.rng)
    bodies = [
        notification_body(
            iccid=profile.iccid,
            profile_type=profile.profile_type,
            point=point,
            status="Executed-Success",
            eid=eid,
            requester_id=config.requester_id,
        )
        for point in (3, 4)
    ]

    def progressed(body: dict[str, Any]) -> None:
        sim.inventory.device_progress(body["iccid"], body["notificationPointId"], eid)

    sim.notifier.play_device(bodies, progressed)


def _notify(sim: SimulatorState, data: dict[str, Any]) -> list[dict[str, Any]]:
    iccid = str(data["iccid"])
    snapshot = sim.inventory.snapshot(iccid) or {}
    eid = data.get("eid") or snapshot.get("eid") or random_eid(sim.rng)
    results = []
    for point in data.get("points", [3, 4]):
        body = notification_body(
            iccid=iccid,
            profile_type=str(data.get("profileType") or snapshot.get("profile_type") or "SIM-DATA"),
            point=int(point),
            status=str(data.get("status", "Executed-Success")),
            eid=eid,
            requester_id=sim.config.notifier.requester_id,
            call_id=data.get("functionCallIdentifier"),
            status_code_data=data.get("statusCodeData"),
            result_data=data.get("resultData"),
        )
        if body["notificationPointStatus"]["status"] == "Executed-Success":
            sim.inventory.device_progress(iccid, int(point), eid)
        status = sim.notifier.deliver(body, attempts=1)
        results.append({"point": point, "http_status": status, "body": body})
    return results


def _configure(sim: SimulatorState, data: dict[str, Any]) -> dict[str, Any]:
    config, notifier = sim.config, sim.config.notifier
    simple = {
        "smdp_address": (config, "smdp_address", str),
        "pad_iccids": (config, "pad_iccids", bool),
        "latency_ms": (config, "latency_ms", int),
        "fail_rate": (config, "fail_rate", float),
        "notify_url": (notifier, "url", str),
        "notify_secret": (notifier, "secret", str),
        "device_delay_ms": (notifier, "delay_ms", int),
        "auto_device": (notifier, "auto", bool),
        "notify_headers": (notifier, "extra_headers", dict),
    }
    for key, value in data.items():
        if key == "requester_id":
            config.requester_id = None if value is None else str(value)
        elif key in simple:
            target, attribute, cast = simple[key]
            setattr(target, attribute, cast(value))
        else:
            raise ValueError(f"unknown setting {key!r}")
    return {"ok": True}


def handle(handler: Es2Handler, method: str, raw: bytes) -> None:
    sim = handler.sim
    route = handler.path.split("?", 1)[0].rstrip("/")
    try:
        data = json.loads(raw) if raw.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        answer = _route(sim, method, route, data)
    except LookupError as exc:
        handler.send_json(404, {"error": str(exc)}, admin=False)
        return
    except (ValueError, TypeError, KeyError) as exc:
        handler.send_json(400, {"error": str(exc)}, admin=False)
        return
    handler.send_json(200, answer, admin=False)


def _route(sim: SimulatorState, method: str, route: str, data: dict[str, Any]) -> Any:
    if (method, route) == ("POST", "/_sim/reset"):
        sim.reset()
        return {"ok": True}
    if (method, route) == ("POST", "/_sim/profiles"):
        profile = sim.inventory.register(
            str(data["iccid"]), profile_type=data.get("profileType"), state=data.get("state")
        )
        return profile.as_dict()
    if method == "GET" and route.startswith("/_sim/profiles/"):
        snapshot = sim.inventory.snapshot(digits_of(unquote(route.rsplit("/", 1)[-1])))
        if snapshot is None:
            raise LookupError("unknown ICCID")
        return snapshot
    if route == "/_sim/faults":
        if method == "POST":
            sim.faults.add(Fault.from_json(data))
        elif method == "DELETE":
            sim.faults.clear()
        return sim.faults.pending()
    if (method, route) == ("POST", "/_sim/refused-eids"):
        sim.inventory.refused_eids = {str(e) for e in data.get("eids", [])}
        return {"ok": True}
    if (method, route) == ("POST", "/_sim/config"):
        return _configure(sim, data)
    if (method, route) == ("POST", "/_sim/notify"):
        return _notify(sim, data)
    if route == "/_sim/requests":
        with sim.lock:
            if method == "DELETE":
                sim.requests.clear()
            return list(sim.requests)
    if (method, route) == ("GET", "/_sim/notifications"):
        return list(sim.notifier.sent)
    raise LookupError(f"no control endpoint {method} {route}")
