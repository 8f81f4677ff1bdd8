"""SM-DP+ pages: health per server, certificate upload checks, test connection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile

from coreesim.staff.choices import Role
from coreesim.staff.models import AuditLog
from smdp_client.choices import CallOutcome
from smdp_client.models import SmdpServer
from tests.factories.smdp_client import Es2CallFactory, SmdpServerFactory

pytestmark = pytest.mark.django_db


def _pair(*, days: int, start_days_ago: int = 1) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "coreesim-client")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=start_days_ago))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM).decode(),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMINISTRATOR, 200),
        (Role.INVENTORY, 200),
        (Role.SUPPORT, 403),
        (Role.FINANCE, 403),
        (Role.ACCOUNT_MANAGER, 403),
    ],
)
def test_server_list_per_role(make_staff, client_for, role, status):
    SmdpServerFactory()
    assert client_for(make_staff(role)).get("/staff/smdp/").status_code == status


def test_health_counts_calls_success_and_p95_latency(make_staff, client_for):
    server = SmdpServerFactory()
    for i in range(19):
        Es2CallFactory(server=server, outcome=CallOutcome.SUCCEEDED, latency_ms=10.0 + i)
    Es2CallFactory(server=server, outcome=CallOutcome.FAILED, latency_ms=500.0, message="boom")
    page = client_for(make_staff(Role.INVENTORY)).get("/staff/smdp/")
    (health,) = page.context["servers"]
    assert (health.calls, health.success_rate) == (20, 95.0)
    assert 28.0 < health.p95_ms < 500.0
    assert health.last_errors[0].message == "boom"


def test_a_valid_certificate_and_its_key_are_stored_and_audited(make_staff, client_for):
    server = SmdpServerFactory()
    cert, key = _pair(days=365)
    response = client_for(make_staff(Role.ADMINISTRATOR)).post(
        f"/staff/smdp/{server.pk}/certificate/",
        {"certificate": cert, "private_key": key, "reason": "yearly renewal"},
    )
    assert response.status_code == 302
    server.refresh_from_db()
    assert server.client_certificate.strip() == cert.strip()
    assert server.client_private_key.reveal().strip() == key.strip()
    entry = AuditLog.objects.get(action="smdp.certificate_set")
    assert entry.reason == "yearly renewal"
    assert "PRIVATE KEY" not in str(entry.after)


def test_certificate_files_can_be_uploaded(make_staff, client_for):
    server = SmdpServerFactory()
    cert, key = _pair(days=365)
    client_for(make_staff(Role.ADMINISTRATOR)).post(
        f"/staff/smdp/{server.pk}/certificate/",
        {
            "certificate_file": SimpleUploadedFile("c.pem", cert.encode()),
            "private_key_file": SimpleUploadedFile("k.pem", key.encode()),
            "reason": "renewal",
        },
    )
    server.refresh_from_db()
    assert server.client_certificate.strip() == cert.strip()


def test_a_key_of_another_certificate_is_refused(make_staff, client_for):
    server = SmdpServerFactory()
    cert, _ = _pair(days=365)
    _, other_key = _pair(days=365)
    response = client_for(make_staff(Role.ADMINISTRATOR)).post(
        f"/staff/smdp/{server.pk}/certificate/",
        {"certificate": cert, "private_key": other_key, "reason": "renewal"},
    )
    assert b"does not belong to this certificate" in response.content
    assert SmdpServer.objects.get(pk=server.pk).client_certificate == ""
    assert not AuditLog.objects.filter(action="smdp.certificate_set").exists()


def test_an_expired_certificate_is_refused(make_staff, client_for):
    server = SmdpServerFactory()
    cert, key = _pair(days=-1, start_days_ago=30)
    response = client_for(make_staff(Role.ADMINISTRATOR)).post(
        f"/staff/smdp/{server.pk}/certificate/",
        {"certificate": cert, "private_key": key, "reason": "renewal"},
    )
    assert b"expired" in response.content
    assert SmdpServer.objects.get(pk=server.pk).client_certificate == ""


def test_a_certificate_expiring_within_30_days_is_stored_with_a_warning(make_staff, client_for):
    server = SmdpServerFactory()
    cert, key = _pair(days=10)
    client = client_for(make_staff(Role.ADMINISTRATOR))
    response = client.post(
        f"/staff/smdp/{server.pk}/certificate/",
        {"certificate": cert, "private_key": key, "reason": "stopgap"},
        follow=True,
    )
    assert b"expires in" in response.content
    assert b"upload a new one" in client.get(f"/staff/smdp/{server.pk}/").content


def test_inventory_staff_cannot_upload_certificates(make_staff, client_for):
    server = SmdpServerFactory()
    cert, key = _pair(days=365)
    response = client_for(make_staff(Role.INVENTORY)).post(
        f"/staff/smdp/{server.pk}/certificate/",
        {"certificate": cert, "private_key": key, "reason": "x"},
    )
    assert response.status_code == 403


def test_test_connection_reports_an_unreachable_server_in_plain_words(make_staff, client_for):
    server = SmdpServerFactory(base_url="http://127.0.0.1:9", connect_timeout=1.0)
    response = client_for(make_staff(Role.ADMINISTRATOR)).post(f"/staff/smdp/{server.pk}/test/")
    assert response.status_code == 200
    assert not response.context["report"].ok
    assert b"PROBLEM" in response.content
    assert AuditLog.objects.get(action="smdp.test_connection").after["ok"] is False
