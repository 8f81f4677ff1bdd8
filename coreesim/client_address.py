"""Who is calling: the client's address, and the headers only our reverse proxy may set.

Behind a reverse proxy every request arrives from the proxy, which names the client in
``X-Forwarded-For`` by appending the address it saw to whatever the client already sent, and
which vouches for a verified client certificate in ``X-Client-Cert-Fingerprint``. Anybody can
send those headers, so they count only when the peer (``REMOTE_ADDR``) is one of
``settings.TRUSTED_PROXIES``. The client is then the right-most forwarded address that is not
itself a trusted proxy: every entry further left was written by the client and proves nothing.

Every place that records, limits or allowlists by address reads it here (the partner API, the
ES2+ notification endpoint, the staff audit log, the login lockout and the portal's rate limit),
so a forged header cannot buy a different address in one of them.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks_parse(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDRs as networks; ``ValueError`` names the first entry that is neither."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(networks)


@cache
def _trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return networks_parse(entries)


def _address(text: str) -> Address | None:
    """An address as one value, so ``::ffff:10.0.0.1`` (a dual-stack socket) matches IPv4 rules."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted_proxy(address: Address | None) -> bool:
    if address is None:
        return False
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The caller's address: the peer's, or the one a trusted proxy forwarded; "" if unknown.

    A proxy that is not listed in ``TRUSTED_PROXIES`` is the caller as far as we can tell, so
    a forgotten entry makes every client look like the proxy (allowlists refuse, limits count
    the proxy) rather than letting the client choose its address.
    """
    peer = _address(str(request.META.get("REMOTE_ADDR") or ""))
    if not _is_trusted_proxy(peer):
        return str(peer) if peer is not None else ""
    client = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        forwarded = _address(hop)
        if forwarded is None:
            break
        client = forwarded
        if not _is_trusted_proxy(forwarded):
            break
    return str(client)


def proxy_header(request: HttpRequest, name: str) -> str | None:
    """A header only our proxy may set, or None when the peer is not a trusted proxy.

    The proxy must also overwrite the header on the way in; a copy sent by anybody else (a
    client that reached us directly) is ignored and logged, because it is either a
    misconfiguration or a forgery.
    """
    value = request.headers.get(name)
    if value is None:
        return None
    peer = str(request.META.get("REMOTE_ADDR") or "")
    if _is_trusted_proxy(_address(peer)):
        return value
    logger.warning("proxy_header_ignored", extra={"header": name, "peer": peer})
    return None
