"""Who is calling handleDownloadProgressInfo: which SM-DP+ server, if any.

A server record may configure up to three checks: a shared secret (``X-CoreESIM-Secret``), the
SHA-256 fingerprint of its client certificate (``X-Client-Cert-Fingerprint``, set by our TLS
terminator, which must drop any such header coming from outside, and believed only from a peer
in ``TRUSTED_PROXIES``) and source addresses (as ``coreesim.client_address`` finds them). A caller
is that server when it passes every check the record configures; a record that configures none
accepts nobody. No credential at all is 401; credentials that match no server are 403.

The credentials of all enabled servers are cached per process for ``CACHE_SECONDS`` (and
dropped whenever a server is saved in this process), so intake does no decryption per request.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from coreesim.secrets import reveal
from smdp_client.models import SmdpServer

CACHE_SECONDS = 10.0
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class CallerUnknown(Exception):
    """The caller is not one of our SM-DP+ servers; ``status`` is 401 or 403."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class _Credentials:
    server_id: int
    secret: bytes | None
    fingerprint: str | None
    networks: tuple[Network, ...]

    @property
    def configured(self) -> bool:
        return bool(self.secret or self.fingerprint or self.networks)


def normalise_fingerprint(value: str) -> str:
    return value.replace(":", "").replace(" ", "").strip().upper()


def _networks(entries: Any) -> tuple[Network, ...]:
    networks = []
    for entry in entries or []:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


_cache: tuple[float, list[_Credentials]] | None = None
_lock = threading.Lock()


def _all_credentials() -> list[_Credentials]:
    global _cache
    cached = _cache
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    with _lock:
        loaded = [
            _Credentials(
                server_id=server.pk,
                secret=(reveal(server.inbound_secret) or "").encode() or None,
                fingerprint=normalise_fingerprint(server.inbound_cert_fingerprint) or None,
                networks=_networks(server.inbound_allowed_ips),
            )
            for server in SmdpServer.objects.filter(enabled=True)
        ]
        _cache = (time.monotonic(), loaded)
        return loaded


@receiver(post_save, sender=SmdpServer, dispatch_uid="smdp_client.forget_inbound_credentials")
def forget_inbound_credentials(**kwargs: Any) -> None:
    global _cache
    _cache = None


def _passes(creds: _Credentials, secret: bytes | None, fingerprint: str | None, address) -> bool:
    if not creds.configured:
        return False
    if creds.secret is not None and (
        secret is None or not hmac.compare_digest(creds.secret, secret)
    ):
        return False
    if creds.fingerprint is not None and creds.fingerprint != fingerprint:
        return False
    return not creds.networks or (
        address is not None and any(address in network for network in creds.networks)
    )


def notification_caller(*, secret: str | None, fingerprint: str | None, remote_addr: str) -> int:
    """The id of the SM-DP+ server making this request, or ``CallerUnknown``."""
    try:
        address = ipaddress.ip_address(remote_addr) if remote_addr else None
    except ValueError:
        address = None
    secret_bytes = secret.encode() if secret else None
    print_ = normalise_fingerprint(fingerprint) if fingerprint else None
    matches = [
        creds.server_id
        for creds in _all_credentials()
        if _passes(creds, secret_bytes, print_, address)
    ]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise CallerUnknown(403, "these credentials match more than one SM-DP+ server")
    if secret is None and fingerprint is None:
        raise CallerUnknown(401, "authentication required")
    raise CallerUnknown(403, "unknown caller")
