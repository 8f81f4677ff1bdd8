"""Whose address a request carries: forwarding headers count only from a trusted proxy."""

from __future__ import annotations

from django.test import RequestFactory, override_settings

from coreesim.client_address import client_address, proxy_header

PROXY = "10.0.0.1"
FINGERPRINT = "X-Client-Cert-Fingerprint"


def _request(peer: str, forwarded: str | None = None, **headers: str):
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", REMOTE_ADDR=peer, **headers)


@override_settings(TRUSTED_PROXIES=[])
def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards():
    assert client_address(_request("198.51.100.7", "10.1.2.3")) == "198.51.100.7"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_peer_that_is_not_a_trusted_proxy_cannot_forward_an_address():
    assert client_address(_request("198.51.100.7", "10.1.2.3")) == "198.51.100.7"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_through_a_trusted_proxy_the_client_is_the_address_the_proxy_appended():
    assert client_address(_request(PROXY, "203.0.113.9")) == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_entries_the_client_wrote_before_the_proxy_appended_its_own_are_ignored():
    assert client_address(_request(PROXY, "10.1.2.3, 198.51.100.7")) == "198.51.100.7"


@override_settings(TRUSTED_PROXIES=[PROXY, "172.16.0.0/12"])
def test_through_a_chain_of_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client():
    request = _request(PROXY, "10.1.2.3, 203.0.113.9, 172.16.4.4")

    assert client_address(request) == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=[PROXY, "172.16.0.0/12"])
def test_an_entry_that_is_not_an_address_stops_at_the_last_hop_a_proxy_vouched_for():
    assert client_address(_request(PROXY, "203.0.113.9, unknown, 172.16.4.4")) == "172.16.4.4"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_trusted_proxy_that_forwards_nothing_is_the_client():
    assert client_address(_request(PROXY)) == PROXY


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_dual_stack_peer_address_matches_an_ipv4_proxy_entry():
    assert client_address(_request(f"::ffff:{PROXY}", "203.0.113.9")) == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_proxy_header_from_a_trusted_proxy_is_read():
    request = _request(PROXY, HTTP_X_CLIENT_CERT_FINGERPRINT="AB:CD")

    assert proxy_header(request, FINGERPRINT) == "AB:CD"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_proxy_header_from_any_other_peer_is_ignored():
    request = _request("198.51.100.7", HTTP_X_CLIENT_CERT_FINGERPRINT="AB:CD")

    assert proxy_header(request, FINGERPRINT) is None
