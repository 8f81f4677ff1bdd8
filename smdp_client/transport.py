"""HTTPS plumbing for ES2+: one pooled httpx client per SM-DP+ server and process.

Mutual TLS: our client certificate and private key come from the server record. The key is
decrypted only in memory: it is handed to OpenSSL through an anonymous in-memory file
(``memfd_create``), never written to disk. The SM-DP+'s CA bundle is pinned (only it is
trusted) and the hostname is verified.

Clients are cached per process and rebuilt when the record changes (``updated_at``), so a call
reuses a warm keep-alive connection instead of paying a TLS handshake each time.
"""

from __future__ import annotations

import os
import ssl
import threading
from dataclasses import dataclass

import httpx

from coreesim.secrets import reveal
from smdp_client.models import SmdpServer


class TransportConfigError(ValueError):
    """The server record cannot be used to open a connection (the message says why)."""


@dataclass(frozen=True)
class _Entry:
    version: tuple[object, ...]
    client: httpx.Client


_clients: dict[int, _Entry] = {}
_lock = threading.Lock()


def _in_memory_file(data: bytes, name: str) -> int:
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    os.write(fd, data)
    return fd


def build_ssl_context(server: SmdpServer) -> ssl.SSLContext:
    """TLS settings for calls to ``server``: pinned CA (if given), hostname check, client cert."""
    if server.ca_bundle.strip():
        try:
            context = ssl.create_default_context(cadata=server.ca_bundle)
        except ssl.SSLError as exc:
            raise TransportConfigError(f"the CA bundle is not valid PEM: {exc}") from exc
    else:
        context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    key = reveal(server.client_private_key) or ""
    cert = server.client_certificate.strip()
    if bool(cert) != bool(key.strip()):
        raise TransportConfigError(
            "the client certificate and private key must be configured together"
        )
    if cert:
        cert_fd = _in_memory_file(cert.encode(), "es2-client-cert")
        key_fd = _in_memory_file(key.encode(), "es2-client-key")
        try:
            context.load_cert_chain(f"/proc/self/fd/{cert_fd}", f"/proc/self/fd/{key_fd}")
        except ssl.SSLError as exc:
            raise TransportConfigError(
                f"the client certificate and key cannot be loaded (do they match?): {exc}"
            ) from exc
        finally:
            os.close(cert_fd)
            os.close(key_fd)
    return context


def _version(server: SmdpServer) -> tuple[object, ...]:
    return (server.updated_at, server.base_url, server.connect_timeout, server.read_timeout)


def _build(server: SmdpServer) -> httpx.Client:
    if server.base_url.startswith("http://"):
        if not server.allow_plain_http:
            raise TransportConfigError(
                "plain http:// is refused for this server (allow_plain_http is off)"
            )
        verify: ssl.SSLContext | bool = False
    elif server.base_url.startswith("https://"):
        verify = build_ssl_context(server)
    else:
        raise TransportConfigError(f"unsupported base URL {server.base_url!r}")
    timeout = httpx.Timeout(
        connect=server.connect_timeout,
        read=server.read_timeout,
        write=server.read_timeout,
        pool=server.connect_timeout,
    )
    limits = httpx.Limits(
        max_connections=max(server.max_concurrency, 1),
        max_keepalive_connections=max(server.max_concurrency, 1),
    )
    return httpx.Client(
        base_url=server.base_url.rstrip("/"),
        verify=verify,
        timeout=timeout,
        limits=limits,
        trust_env=False,
        follow_redirects=False,
    )


def http_client(server: SmdpServer) -> httpx.Client:
    """The pooled client for ``server`` in this process, rebuilt when its record changed."""
    version = _version(server)
    entry = _clients.get(server.pk)
    if entry is not None and entry.version == version:
        return entry.client
    with _lock:
        entry = _clients.get(server.pk)
        if entry is not None and entry.version == version:
            return entry.client
        client = _build(server)
        if entry is not None:
            entry.client.close()
        _clients[server.pk] = _Entry(version, client)
        return client


def drop_client(server: SmdpServer) -> None:
    """Forget the pooled client (after a TLS failure, so the next call starts afresh)."""
    with _lock:
        entry = _clients.pop(server.pk, None)
    if entry is not None:
        entry.client.close()
