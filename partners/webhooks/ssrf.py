"""The SSRF guard: a partner-supplied URL may only reach a public HTTPS server.

Checked twice: the URL's shape when an endpoint is saved, and the resolved addresses right
before every attempt (DNS may change). The request then goes to the address that was checked,
with the original host name for TLS (SNI and certificate check) and the ``Host`` header, so a
DNS answer that changes between check and connect (rebinding) cannot redirect it.

``WEBHOOK_ALLOW_HTTP`` and ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` exist for development and tests
(a receiver on 127.0.0.1); cloud metadata addresses stay refused even then.

A host name with non-ASCII letters (``bücher.example``) is checked, resolved and called in its
IDNA form (``xn--bcher-kva.example``, UTS 46 as browsers do): that is the name DNS, the TLS
certificate and the receiver's ``Host`` header know, and the HTTP headers cannot carry the
Unicode spelling. A name that has no IDNA form is refused when the endpoint is saved.

What DNS answered stays ours: a refusal after resolution tells the partner only
``TARGET_REFUSED`` (it is stored on the attempt the API returns), and the detail (the host does
not resolve, or resolves to a private address) goes to our log. Otherwise a partner could point
an endpoint at our internal names and read our DNS from the attempts.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import idna
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("169.254.170.2"),
        ipaddress.ip_address("100.100.100.200"),
        ipaddress.ip_address("fd00:ec2::254"),
    }
)
BLOCKED_HOSTNAMES = frozenset({"localhost", "metadata.google.internal", "metadata"})
TARGET_REFUSED = "the target address is not allowed"

logger = logging.getLogger(__name__)


class UnsafeTarget(ValueError):
    """The URL or the address it resolves to is not one we may call."""


@dataclass(frozen=True)
class ResolvedTarget:
    url: SplitResult
    host: str
    port: int
    address: IPAddress

    @property
    def authority(self) -> str:
        """The ``Host`` header: the host as it goes on the wire, with the URL's port if given."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.url.port is None else f"{host}:{self.url.port}"


def _allow_http() -> bool:
    return bool(settings.WEBHOOK_ALLOW_HTTP)


def _allow_private() -> bool:
    return bool(settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)


def address_refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not be called, or None if it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if _allow_private():
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or not address.is_global:
        return "a private address"
    return None


def wire_host(parts: SplitResult) -> str:
    """The URL's host as DNS, TLS (SNI) and the ``Host`` header spell it: lower case, no
    trailing dot, and IDNA (punycode) for a name with non-ASCII letters."""
    host = (parts.hostname or "").rstrip(".").lower()
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise UnsafeTarget(f"the host '{host}' is not a valid domain name") from exc


def url_check(url: str) -> SplitResult:
    """The checks that need no DNS: scheme, no credentials, a host, a literal IP's range."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget("the URL is not valid") from exc
    allowed = {"https", "http"} if _allow_http() else {"https"}
    if parts.scheme not in allowed:
        raise UnsafeTarget("the URL must use https")
    if parts.username or parts.password:
        raise UnsafeTarget("the URL must not contain credentials")
    host = wire_host(parts)
    if not host:
        raise UnsafeTarget("the URL has no host")
    if host in BLOCKED_HOSTNAMES and not _allow_private():
        raise UnsafeTarget(f"the host '{host}' is not allowed")
    if port is not None and not 0 < port < 65536:
        raise UnsafeTarget("the URL's port is not valid")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return parts
    refusal = address_refusal(literal)
    if refusal:
        raise UnsafeTarget(f"the URL points to {refusal}")
    return parts


def _refuse_resolved(host: str, reason: str) -> UnsafeTarget:
    """The partner's error says no more than ``TARGET_REFUSED``; why is in our log only."""
    logger.warning("webhook_target_refused", extra={"host": host, "reason": reason})
    return UnsafeTarget(TARGET_REFUSED)


def target_resolve(url: str) -> ResolvedTarget:
    """Resolve the host and refuse if ANY of its addresses is forbidden."""
    parts = url_check(url)
    host = wire_host(parts)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise _refuse_resolved(host, "does not resolve") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses:
        raise _refuse_resolved(host, "does not resolve")
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            raise _refuse_resolved(host, f"resolves to {refusal} ({address})")
    return ResolvedTarget(url=parts, host=host, port=port, address=addresses[0])
