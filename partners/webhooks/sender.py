"""One HTTP attempt at a webhook, behind the SSRF guard, with time and size caps.

Redirects are never followed (a 3xx is a failed attempt): following one would let a public
endpoint bounce us to a private address. At most ``MAX_RESPONSE_BYTES`` of the answer are read
and ``EXCERPT_CHARS`` of it kept for the delivery log.

The whole exchange (connect, TLS handshake, request, answer) must end within
``WEBHOOK_TIMEOUT_SECONDS``. A timeout per network read is not enough: a receiver that sends one
header byte a second never trips it and holds the worker until Celery's time limit kills the
task, leaving no attempt on record. So the connection is opened through ``_DeadlineBackend``,
which gives every network step only the time left before the attempt's deadline.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass

import httpcore
import httpx
from django.conf import settings

from partners.webhooks.ssrf import ResolvedTarget, UnsafeTarget, target_resolve

MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARS = 1024
USER_AGENT = "CoreESIM-Webhooks/1.0"


@dataclass(frozen=True)
class AttemptResult:
    succeeded: bool
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


class _Deadline:
    """The end of one attempt; each network step may wait at most until then."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self, timeout: float | None, error: type[httpcore.TimeoutException]) -> float:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise error(f"the attempt took longer than {self.seconds:g} s")
        return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline.left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, left), self._deadline
        )

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Plain sockets (``httpcore.SyncBackend``) whose every step ends by the deadline."""

    def __init__(self, deadline: _Deadline) -> None:
        self._backend = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline.left(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, left, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def attempt_send(*, url: str, headers: dict[str, str], body: bytes) -> AttemptResult:
    """POST ``body`` to ``url`` once, within ``WEBHOOK_TIMEOUT_SECONDS``; never raises.

    Any exception, ours or the HTTP library's (or Celery's soft time limit), becomes a failed
    attempt with the exception in ``error``: an escaped exception would record nothing, and the
    sweep would pick the delivery up again every lease, for ever.
    """
    started = time.monotonic()
    try:
        target = target_resolve(url)
    except UnsafeTarget as exc:
        return AttemptResult(False, None, _elapsed_ms(started), "", f"refused: {exc}")
    deadline = _Deadline(settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        status_code, received = _exchange(
            target=target, headers=headers, body=body, deadline=deadline
        )
    except httpcore.TimeoutException as exc:
        error = f"{type(exc).__name__}: no complete answer within {deadline.seconds:g} s"
        return AttemptResult(False, None, _elapsed_ms(started), "", error)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        return AttemptResult(False, None, _elapsed_ms(started), "", error[:500])
    excerpt = received.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    succeeded = 200 <= status_code < 300
    error = "" if succeeded else f"HTTP {status_code}"
    if 300 <= status_code < 400:
        error = f"HTTP {status_code}: redirects are not followed"
    return AttemptResult(succeeded, status_code, _elapsed_ms(started), excerpt, error)


def _exchange(
    *, target: ResolvedTarget, headers: dict[str, str], body: bytes, deadline: _Deadline
) -> tuple[int, bytes]:
    """The request to the checked address (never a fresh DNS answer); status and answer."""
    timeout = deadline.seconds
    address = str(target.address)
    if target.address.version == 6:
        address = f"[{address}]"
    pinned = httpx.URL(target.url._replace(netloc=f"{address}:{target.port}").geturl())
    url = httpcore.URL(
        scheme=pinned.raw_scheme, host=pinned.raw_host, port=pinned.port, target=pinned.raw_path
    )
    extensions: dict[str, object] = {
        "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    }
    if pinned.scheme == "https":
        extensions["sni_hostname"] = target.host
    request_headers = [*headers.items(), ("host", target.authority), ("user-agent", USER_AGENT)]
    received = bytearray()
    with (
        httpcore.ConnectionPool(network_backend=_DeadlineBackend(deadline)) as pool,
        pool.stream(
            "POST", url, headers=request_headers, content=body, extensions=extensions
        ) as response,
    ):
        try:
            for chunk in response.iter_stream():
                received.extend(chunk)
                if len(received) >= MAX_RESPONSE_BYTES:
                    break
        except httpcore.TimeoutException:
            # The status is in; an answer body still dripping at the deadline is cut short.
            pass
        return response.status, bytes(received[:MAX_RESPONSE_BYTES])
