"""One HTTP attempt at a webhook, behind the SSRF guard, with time and size caps.

Redirects are never followed (a 3xx is a failed attempt): following one would let a public
endpoint bounce us to a private address. At most ``MAX_RESPONSE_BYTES`` of the answer are read
and ``EXCERPT_CHARS`` of it kept for the delivery log.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from partners.webhooks.ssrf import UnsafeTarget, target_resolve

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


def attempt_send(*, url: str, headers: dict[str, str], body: bytes) -> AttemptResult:
    """POST ``body`` to ``url`` once; never raises for network or target problems."""
    started = time.monotonic()
    try:
        target = target_resolve(url)
    except UnsafeTarget as exc:
        return AttemptResult(False, None, _elapsed_ms(started), "", f"refused: {exc}")
    address = str(target.address)
    if isinstance(target.address, ipaddress.IPv6Address):
        address = f"[{address}]"
    pinned = target.url._replace(netloc=f"{address}:{target.port}").geturl()
    request_headers = {**headers, "host": target.url.netloc, "user-agent": USER_AGENT}
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
    timeout: float = settings.WEBHOOK_TIMEOUT_SECONDS
    deadline = started + timeout
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False
            ) as client,
            client.stream(
                "POST", pinned, content=body, headers=request_headers, extensions=extensions
            ) as response,
        ):
            received = bytearray()
            for chunk in response.iter_bytes():
                received.extend(chunk)
                if len(received) >= MAX_RESPONSE_BYTES or time.monotonic() > deadline:
                    break
            excerpt = bytes(received[:MAX_RESPONSE_BYTES]).decode("utf-8", errors="replace")
            status_code = response.status_code
    except httpx.HTTPError as exc:
        return AttemptResult(False, None, _elapsed_ms(started), "", f"{type(exc).__name__}: {exc}")
    succeeded = 200 <= status_code < 300
    error = "" if succeeded else f"HTTP {status_code}"
    if 300 <= status_code < 400:
        error = f"HTTP {status_code}: redirects are not followed"
    return AttemptResult(
        succeeded, status_code, _elapsed_ms(started), excerpt[:EXCERPT_CHARS], error[:500]
    )
