"""The simulator's HTTP(S) server: ES2+ functions plus a small control API under ``/_sim/``.

A stdlib ``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive. With TLS it requires a
client certificate signed by ``client_ca`` (mutual TLS, like a production SM-DP+); the TLS
handshake runs in the connection's own thread so one slow client does not block the others.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from smdp_client.simulator import control
from smdp_client.simulator.device import Notifier, NotifierConfig
from smdp_client.simulator.faults import Fault, FaultBook
from smdp_client.simulator.inventory import Inventory, SimProfile
from smdp_client.simulator.validation import (
    SUBJECT_REQUESTER,
    Es2Refusal,
    HttpRefusal,
    check_fields,
    check_header,
    check_http,
)

logger = logging.getLogger(__name__)

ADMIN_PROTOCOL = "gsma/rsp/v2.5.0"
JSON_TYPE = "application/json;charset=UTF-8"
REQUEST_LOG_SIZE = 2000
MAX_BODY = 1 << 20


@dataclass
class SimulatorConfig:
    requester_id: str | None = None
    smdp_address: str = ""
    latency_ms: int = 0
    fail_rate: float = 0.0
    pad_iccids: bool = False
    seed: int | None = None
    notifier: NotifierConfig = field(default_factory=NotifierConfig)


class SimulatorState:
    """Everything one simulator instance knows; shared by its connection threads."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)  # noqa: S311 - simulation, not security
        self.inventory = Inventory(self.rng)
        self.faults = FaultBook()
        self.notifier = Notifier(config.notifier)
        self.requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.call_ids: set[str] = set()
        self.lock = threading.Lock()

    def reset(self) -> None:
        self.inventory.reset()
        self.faults.clear()
        with self.lock:
            self.requests.clear()
            self.call_ids.clear()
        self.notifier.sent.clear()


def _status(status: str, subject: str = "", reason: str = "", message: str = "", ident: str = ""):
    execution: dict[str, Any] = {"status": status}
    if subject:
        data = {"subjectCode": subject, "reasonCode": reason, "message": message}
        if ident:
            data["subjectIdentifier"] = ident
        execution["statusCodeData"] = data
    return {"header": {"functionExecutionStatus": execution}}


def success_body(function: str, profile: SimProfile, values: dict[str, Any], config) -> dict:
    body = _status("Executed-Success")
    if function == "downloadOrder":
        iccid = values.get("iccid") or profile.iccid
        if config.pad_iccids and len(profile.iccid) == 19:
            iccid = profile.iccid + "F"
        body["iccid"] = iccid
    elif function == "confirmOrder":
        body["matchingId"] = profile.matching_id
        if profile.eid:
            body["eid"] = profile.eid
        if config.smdp_address:
            body["smdpAddress"] = config.smdp_address
    return body


class Es2Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server_version = "CoreESIM-SMDP-Simulator/1.0"
    sim: SimulatorState

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("simulator_http " + format, *args)

    # -- plumbing -----------------------------------------------------------------------------

    def send_bytes(self, status: int, body: bytes, content_type: str | None, *, admin=True) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if admin:
            self.send_header("X-Admin-Protocol", ADMIN_PROTOCOL)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, body: Any, *, admin: bool = True) -> None:
        self.send_bytes(status, json.dumps(body).encode(), JSON_TYPE, admin=admin)

    def read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > MAX_BODY:
            self.send_bytes(411, b"Content-Length required (at most 1 MiB)", "text/plain")
            return None
        return self.rfile.read(int(length))

    def hang_up(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            logger.debug("simulator_hang_up_on_closed_socket")

    def do_GET(self) -> None:
        if self.path.startswith("/_sim/"):
            control.handle(self, "GET", b"")
        else:
            self.send_bytes(405, b"ES2+ functions are called with POST", "text/plain")

    def do_DELETE(self) -> None:
        if self.path.startswith("/_sim/"):
            control.handle(self, "DELETE", b"")
        else:
            self.send_bytes(405, b"ES2+ functions are called with POST", "text/plain")

    def do_PUT(self) -> None:
        self.do_DELETE()

    def do_POST(self) -> None:
        body = self.read_body()
        if body is None:
            return
        if self.path.startswith("/_sim/"):
            control.handle(self, "POST", body)
        else:
            self.es2(body)

    # -- ES2+ -----------------------------------------------------------------------------------

    def es2(self, raw: bytes) -> None:
        sim, config = self.sim, self.sim.config
        with sim.lock:
            sim.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": [[k, v] for k, v in self.headers.items()],
                    "body": raw.decode("utf-8", "replace"),
                }
            )
        if config.latency_ms:
            time.sleep(config.latency_ms / 1000.0)
        if config.fail_rate and sim.rng.random() < config.fail_rate:
            self.send_bytes(503, b"simulated overload", "text/plain", admin=False)
            return
        function = self.path.rsplit("/", 1)[-1]
        fault = sim.faults.take(function)
        if fault is not None and not fault.after_commit and self.inject(fault, function, None):
            return
        try:
            function, body = check_http(self.command, self.path, self.headers, raw)
        except HttpRefusal as refusal:
            self.send_json(refusal.status, {"message": refusal.message}, admin=False)
            return
        profile, _values, answer = self.execute(function, body)
        if fault is not None and fault.after_commit and self.inject(fault, function, answer):
            return
        self.send_json(200, answer)
        if (
            profile is not None
            and profile.state == "Released"
            and function
            in (
                "confirmOrder",
                "releaseProfile",
            )
        ):
            control.schedule_device(sim, profile)

    def execute(self, function: str, body: dict[str, Any]):
        sim = self.sim
        try:
            requester, call_id = check_header(body, sim.config.requester_id)
            with sim.lock:
                if call_id in sim.call_ids:
                    raise Es2Refusal(
                        SUBJECT_REQUESTER, "3.3", "functionCallIdentifier already used", call_id
                    )
                sim.call_ids.add(call_id)
            values = check_fields(function, body)
            step = {
                "downloadOrder": sim.inventory.download_order,
                "confirmOrder": sim.inventory.confirm_order,
                "cancelOrder": sim.inventory.cancel_order,
                "releaseProfile": sim.inventory.release_profile,
            }[function]
            profile = step(requester, values)
        except Es2Refusal as refusal:
            answer = _status(
                "Failed",
                refusal.subject_code,
                refusal.reason_code,
                refusal.message,
                refusal.subject_identifier,
            )
            return None, {}, answer
        return profile, values, success_body(function, profile, values, sim.config)

    def inject(self, fault: Fault, function: str, answer: dict[str, Any] | None) -> bool:
        """Apply ``fault``; False means "carry on normally" (latency)."""
        if fault.action == "latency":
            time.sleep(fault.ms / 1000.0)
            return False
        if fault.action == "http_error":
            self.send_bytes(fault.status, b"injected HTTP error", "text/plain", admin=False)
        elif fault.action == "hang":
            time.sleep(fault.seconds)
            self.hang_up()
        elif fault.action == "drop":
            self.hang_up()
        elif fault.action == "fail":
            self.send_json(
                200,
                _status(
                    fault.execution_status, fault.subject_code, fault.reason_code, fault.message
                ),
            )
        else:
            self.malformed(fault.kind, function, answer)
        return True

    def malformed(self, kind: str, function: str, answer: dict[str, Any] | None) -> None:
        good = answer or _status("Executed-Success")
        if kind == "bad_json":
            self.send_bytes(200, b'{"header": {"functionExecutionStatus": ', JSON_TYPE)
        elif kind == "not_an_object":
            self.send_json(200, ["Executed-Success"])
        elif kind == "no_admin_protocol":
            self.send_json(200, good, admin=False)
        elif kind == "wrong_content_type":
            self.send_bytes(200, b"<html><body>Service maintenance</body></html>", "text/html")
        elif kind == "unknown_status":
            self.send_json(200, _status("Executed-Maybe"))
        elif kind == "no_status_code_data":
            self.send_json(200, _status("Failed"))
        else:
            self.send_json(200, _status("Executed-Success"))


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, tls: ssl.SSLContext | None):
        self.tls = tls
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("simulator_connection_error", exc_info=True)


def tls_context(cert: str, key: str, client_ca: str | None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return context


class Simulator:
    """One running simulator; ``start()`` serves in a background thread (tests, benchmarks)."""

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.state = SimulatorState(config or SimulatorConfig())
        handler = type("BoundEs2Handler", (Es2Handler,), {"sim": self.state})
        self.httpd = SimulatorHTTPServer((host, port), handler, tls)
        self.scheme = "https" if tls else "http"
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = self.httpd.server_address[0]
        return f"{self.scheme}://{host if isinstance(host, str) else host.decode()}:{self.port}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> Simulator:
        self._thread = threading.Thread(target=self.serve_forever, name="smdp-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.state.notifier.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
