"""Registering an SM-DP+ and testing the connection in plain words."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from smdp_client.models import SmdpServer
from smdp_client.services import server_test_connection
from tests.factories.smdp_client import SmdpServerFactory
from tests.smdp_client.certs import issue, make_ca


def test_test_connection_reports_a_healthy_simulator_in_plain_words(server, sim):
    report = server_test_connection(server=server)

    assert report.ok
    assert "TLS, HTTP and the ES2+ envelope work" in str(report)
    assert "8.2.1/3.9" in str(report)


def test_test_connection_names_a_wrong_requester_id(db, sim):
    server = SmdpServerFactory(base_url=sim.url, requester_id="not-us")

    report = server_test_connection(server=server)

    assert not report.ok
    assert "refuses our functionRequesterIdentifier 'not-us'" in str(report)


def test_test_connection_names_a_wrong_base_url(db, sim):
    sim.fault(function="*", action="http_error", status=404)
    server = SmdpServerFactory(base_url=sim.url)

    report = server_test_connection(server=server)

    assert not report.ok
    assert "is the base URL right?" in str(report)


def test_test_connection_names_an_unreachable_server(db):
    server = SmdpServerFactory(base_url="http://127.0.0.1:9")

    report = server_test_connection(server=server)

    assert not report.ok
    assert "check the base URL, DNS and the firewall" in str(report)


def test_add_smdp_server_stores_the_key_encrypted_and_prints_a_generated_secret(db, tmp_path):
    ca = make_ca("SM-DP+ CA")
    ours = issue(make_ca("Our CA"), "coreesim", client=True)
    paths = {"ca": ca.write(tmp_path, "ca")[0]}
    paths["cert"], paths["key"] = ours.write(tmp_path, "client")
    out = StringIO()

    call_command(
        "add_smdp_server",
        "acme",
        "--base-url=https://es2.acme.example",
        "--address=smdp.acme.example",
        "--requester-id=coreesim-acme",
        f"--client-cert={paths['cert']}",
        f"--client-key={paths['key']}",
        f"--ca={paths['ca']}",
        stdout=out,
    )

    server = SmdpServer.objects.get(name="acme")
    assert server.client_private_key.reveal() == ours.key_pem
    assert server.ca_bundle == ca.cert_pem
    secret = out.getvalue().strip().splitlines()[-1].strip()
    assert server.inbound_secret.reveal() == secret


def test_add_smdp_server_refuses_plain_http_without_the_flag(db):
    with pytest.raises(CommandError, match="allow_plain_http"):
        call_command(
            "add_smdp_server",
            "local",
            "--base-url=http://127.0.0.1:8701",
            "--address=smdp.local",
            "--requester-id=us",
            stdout=StringIO(),
        )


def test_add_smdp_server_refuses_a_key_that_does_not_match_the_certificate(db, tmp_path):
    cert, _ = issue(make_ca("A"), "x", client=True).write(tmp_path, "one")
    _, key = issue(make_ca("B"), "y", client=True).write(tmp_path, "two")

    with pytest.raises(CommandError, match="do they match"):
        call_command(
            "add_smdp_server",
            "mismatch",
            "--base-url=https://es2.example",
            "--address=smdp.example",
            "--requester-id=us",
            f"--client-cert={cert}",
            f"--client-key={key}",
            stdout=StringIO(),
        )


def test_add_smdp_server_with_test_checks_the_simulator(db, sim):
    out = StringIO()

    call_command(
        "add_smdp_server",
        "sim",
        f"--base-url={sim.url}",
        "--address=smdp.sim.example",
        "--requester-id=coreesim-test",
        "--allow-plain-http",
        "--inbound-secret=s3cret",
        "--test",
        stdout=out,
    )

    assert "OK: TLS, HTTP and the ES2+ envelope work" in out.getvalue()
