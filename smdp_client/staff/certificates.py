"""Validate and store an SM-DP+ client certificate and key uploaded by staff.

Refused: PEM that does not parse, a key that does not belong to the certificate, a certificate
that has expired (or is not valid yet), and a pair the TLS layer cannot load. A certificate
expiring within ``CERT_EXPIRY_WARNING_DAYS`` is accepted with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone

from smdp_client.models import SmdpServer
from smdp_client.services import CERT_EXPIRY_WARNING_DAYS
from smdp_client.transport import TransportConfigError, build_ssl_context


class CertificateRefused(ValueError):
    """The upload cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    not_after: datetime
    days_left: int

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def expiring_soon(self) -> bool:
        return 0 <= self.days_left < CERT_EXPIRY_WARNING_DAYS


def certificate_info(pem: str) -> CertificateInfo | None:
    """What a stored PEM certificate says about itself; None when empty or unreadable."""
    if not pem.strip():
        return None
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return None
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_after=cert.not_valid_after_utc,
        days_left=(cert.not_valid_after_utc - timezone.now()).days,
    )


def _public(key: object) -> bytes:
    return key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def certificate_check(*, certificate_pem: str, private_key_pem: str) -> CertificateInfo:
    """Raise ``CertificateRefused`` unless the pair is usable; return the certificate's facts."""
    try:
        cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError as exc:
        raise CertificateRefused("the certificate is not a PEM X.509 certificate") from exc
    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise CertificateRefused("the private key is not an unencrypted PEM private key") from exc
    if _public(cert.public_key()) != _public(key.public_key()):
        raise CertificateRefused("the private key does not belong to this certificate")
    now = timezone.now()
    if cert.not_valid_after_utc <= now:
        raise CertificateRefused(f"the certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}")
    if cert.not_valid_before_utc > now:
        raise CertificateRefused(
            f"the certificate is not valid before {cert.not_valid_before_utc:%Y-%m-%d}"
        )
    info = certificate_info(certificate_pem)
    assert info is not None  # parsed above
    return info


@transaction.atomic
def smdp_server_certificate_set(
    *, server: SmdpServer, certificate_pem: str, private_key_pem: str, ca_bundle_pem: str = ""
) -> CertificateInfo:
    """Check and store a new client certificate and key (and, if given, the CA bundle)."""
    info = certificate_check(certificate_pem=certificate_pem, private_key_pem=private_key_pem)
    server.client_certificate = certificate_pem.strip() + "\n"
    server.client_private_key = private_key_pem.strip() + "\n"
    if ca_bundle_pem.strip():
        server.ca_bundle = ca_bundle_pem.strip() + "\n"
    if server.uses_tls:
        try:
            build_ssl_context(server)
        except TransportConfigError as exc:
            raise CertificateRefused(str(exc)) from exc
    server.save(
        update_fields=["client_certificate", "client_private_key", "ca_bundle", "updated_at"]
    )
    return info
