"""A real HTTP server on 127.0.0.1 that records what it receives, for webhook tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    reply: bytes = b'{"ok":true}'
    redirect_to: str = ""
    delay: float = 0.0
    drip: float = 0.0
    arrived: threading.Event = field(default_factory=threading.Event)


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    """Yields a ``Receiver`` whose ``status``/``reply``/``redirect_to``/``delay``/``drip`` a
    test may change."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            state.requests.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            if state.delay:
                state.arrived.wait(state.delay)
            if state.drip:
                self._drip_headers(state.drip)
            elif state.redirect_to:
                self.send_response(302)
                self.send_header("Location", state.redirect_to)
                self.end_headers()
            else:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(state.reply)))
                self.end_headers()
                self.wfile.write(state.reply)
            state.arrived.set()

        def _drip_headers(self, seconds: float) -> None:
            """A 200 whose header lines come one every 0.1 s for ``seconds``: no single read
            waits long, but the whole answer takes that long."""
            ends = time.monotonic() + seconds
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                while time.monotonic() < ends:
                    self.wfile.write(b"X-Drip: 1\r\n")
                    time.sleep(0.1)
                self.wfile.write(b"Content-Length: 0\r\n\r\n")
            except OSError:
                return

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
