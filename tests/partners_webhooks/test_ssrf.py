"""The SSRF guard refuses every non-public target unless development explicitly allows it."""

from __future__ import annotations

import ipaddress
import logging

import pytest

from partners.webhooks.ssrf import UnsafeTarget, address_refusal, target_resolve, url_check


@pytest.fixture(autouse=True)
def _production_guard(settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.1.1",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "ftp://hooks.example.com/x",
        "https://user:pw@hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://[::1]/x",
        "https://localhost/x",
        "https://169.254.169.254/latest/meta-data",
        "https:///nohost",
    ],
)
def test_unsafe_urls_are_refused_before_any_dns(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        url_check(url)


def test_a_public_https_url_passes_the_shape_check() -> None:
    assert url_check("https://hooks.example.com:8443/x").hostname == "hooks.example.com"


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f000001"])
def test_obfuscated_loopback_hosts_are_refused_after_resolution(host: str, caplog) -> None:
    with pytest.raises(UnsafeTarget):
        target_resolve(f"https://{host}/x")
    assert "resolves to a loopback address" in caplog.records[-1].reason


@pytest.mark.usefixtures("internal_dns")
def test_an_internal_name_and_a_name_that_does_not_resolve_are_refused_alike() -> None:
    """What our DNS answered must not reach the partner, or endpoints become a DNS probe."""
    refusals = []
    for url in ("https://db.corp.example/x", "https://nowhere.corp.example/x"):
        with pytest.raises(UnsafeTarget) as caught:
            target_resolve(url)
        refusals.append(str(caught.value))
    assert refusals == ["the target address is not allowed"] * 2


@pytest.mark.usefixtures("internal_dns")
@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("db.corp.example", "resolves to a private address (10.0.0.5)"),
        ("nowhere.corp.example", "does not resolve"),
    ],
)
def test_why_a_resolved_host_was_refused_goes_to_our_log(host: str, reason: str, caplog) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="partners.webhooks.ssrf"),
        pytest.raises(UnsafeTarget),
    ):
        target_resolve(f"https://{host}/x")
    (record,) = caplog.records
    assert (record.getMessage(), record.host, record.reason) == (
        "webhook_target_refused",
        host,
        reason,
    )


def test_loopback_http_is_refused_when_development_allowances_are_off() -> None:
    with pytest.raises(UnsafeTarget):
        target_resolve("http://127.0.0.1:8080/hook")


def test_development_allowances_admit_a_loopback_receiver(settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    target = target_resolve("http://127.0.0.1:8080/hook")
    assert str(target.address) == "127.0.0.1"


def test_metadata_address_stays_refused_even_in_development(settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with pytest.raises(UnsafeTarget, match="metadata"):
        url_check("http://169.254.169.254/latest/meta-data")
