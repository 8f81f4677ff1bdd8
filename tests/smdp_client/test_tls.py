"""Mutual TLS against the simulator over HTTPS with certificates made at test time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from smdp_client.choices import CallOutcome, TransportFailure
from smdp_client.client import Es2Client
from smdp_client.errors import Es2ProtocolError, Es2TransportError
from smdp_client.models import Es2Call
from smdp_client.simulator.server import Simulator, SimulatorConfig, tls_context
from tests.factories.smdp_client import SmdpServerFactory, iccid_sequence
from tests.smdp_client.certs import Issued, issue, make_ca

ICCID = iccid_sequence(5)


@dataclass(frozen=True)
class Pki:
    server_ca: Issued
    client_ca: Issued
    client: Issued
    folder: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    server_ca, client_ca = make_ca("Test SM-DP+ CA"), make_ca("Test operator CA")
    return Pki(
        server_ca,
        client_ca,
        issue(client_ca, "coreesim-test", client=True),
        tmp_path_factory.mktemp("pki"),
    )


def tls_simulator(pki: Pki, server_cert: Issued, stem: str) -> Simulator:
    cert, key = server_cert.write(pki.folder, stem)
    client_ca, _ = pki.client_ca.write(pki.folder, "client-ca")
    context = tls_context(cert, key, client_ca)
    return Simulator(SimulatorConfig(requester_id="coreesim-test"), tls=context).start()


@pytest.fixture
def tls_sim(pki: Pki) -> Iterator[Simulator]:
    cert = issue(pki.server_ca, "localhost", hosts=("localhost", "127.0.0.1"))
    simulator = tls_simulator(pki, cert, "server")
    yield simulator
    simulator.stop()


def https_server(pki: Pki, simulator: Simulator, **overrides):
    fields = {
        "base_url": f"https://localhost:{simulator.port}",
        "allow_plain_http": False,
        "ca_bundle": pki.server_ca.cert_pem,
        "client_certificate": pki.client.cert_pem,
        "client_private_key": pki.client.key_pem,
        **overrides,
    }
    return SmdpServerFactory(**fields)


@pytest.mark.django_db
def test_mutual_tls_call_succeeds_with_the_pinned_ca_and_our_client_certificate(pki, tls_sim):
    server = https_server(pki, tls_sim)

    assert Es2Client(server).download_order(iccid=ICCID).iccid == ICCID


@pytest.mark.django_db
def test_a_server_certificate_from_another_ca_is_refused_and_nothing_is_sent(pki):
    impostor = issue(make_ca("Some other CA"), "localhost", hosts=("localhost",))
    simulator = tls_simulator(pki, impostor, "impostor")
    try:
        server = https_server(pki, simulator)
        with pytest.raises(Es2TransportError) as caught:
            Es2Client(server).download_order(iccid=ICCID)
    finally:
        simulator.stop()

    assert caught.value.kind == TransportFailure.TLS
    assert caught.value.sent is False
    assert Es2Call.objects.get().outcome == CallOutcome.NOT_SENT
    assert list(simulator.state.requests) == []


@pytest.mark.django_db
def test_a_server_certificate_for_another_hostname_is_refused(pki):
    elsewhere = issue(pki.server_ca, "smdp.elsewhere.test", hosts=("smdp.elsewhere.test",))
    simulator = tls_simulator(pki, elsewhere, "elsewhere")
    try:
        server = https_server(pki, simulator)
        with pytest.raises(Es2TransportError) as caught:
            Es2Client(server).download_order(iccid=ICCID)
    finally:
        simulator.stop()

    assert caught.value.kind == TransportFailure.TLS
    assert "hostname" in caught.value.detail.lower() or "match" in caught.value.detail.lower()


@pytest.mark.django_db
def test_without_a_client_certificate_the_smdp_refuses_us(pki, tls_sim):
    server = https_server(pki, tls_sim, client_certificate="", client_private_key=None)

    with pytest.raises(Es2TransportError) as caught:
        Es2Client(server).download_order(iccid=ICCID)

    assert caught.value.kind == TransportFailure.TLS
    assert list(tls_sim.state.requests) == []


@pytest.mark.django_db
def test_a_client_certificate_from_a_ca_the_smdp_does_not_trust_is_refused(pki, tls_sim):
    stranger = issue(make_ca("Unknown operator CA"), "coreesim-test", client=True)
    server = https_server(
        pki, tls_sim, client_certificate=stranger.cert_pem, client_private_key=stranger.key_pem
    )

    with pytest.raises(Es2TransportError) as caught:
        Es2Client(server).download_order(iccid=ICCID)

    assert caught.value.kind == TransportFailure.TLS
    assert list(tls_sim.state.requests) == []


@pytest.mark.django_db
def test_plain_http_is_refused_unless_the_record_allows_it(simulator):
    server = SmdpServerFactory(base_url=simulator.url, allow_plain_http=False)

    with pytest.raises(Es2ProtocolError, match="plain http"):
        Es2Client(server).download_order(iccid=ICCID)

    assert list(simulator.state.requests) == []


@pytest.mark.django_db
def test_a_certificate_without_its_key_is_a_clear_configuration_error(pki, tls_sim):
    server = https_server(pki, tls_sim, client_private_key=None)

    with pytest.raises(Es2ProtocolError, match="configured together"):
        Es2Client(server).download_order(iccid=ICCID)
