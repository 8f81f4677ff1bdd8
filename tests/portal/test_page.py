"""The eSIM page over HTTP: what it shows, to whom, and with which headers."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.urls import reverse

from coreesim.logging import RedactSecretsFilter
from coreesim.secrets import reveal
from orders.choices import EsimStatus
from orders.models import Esim
from orders.portal import services
from orders.portal.models import EsimAccessToken
from profiles.choices import ProfileState
from tests.portal.fixtures import ANDROID, DESKTOP, IOS_17_3, IOS_17_4

pytestmark = pytest.mark.django_db


def _get(client, path, agent=DESKTOP, **headers):
    return client.get(path, HTTP_USER_AGENT=agent, **headers)


def test_page_shows_plan_state_and_manual_details(client, ready_esim):
    body = _get(client, ready_esim.path).content.decode()
    assert ready_esim.plan_name in body
    assert "Ready to install" in body
    assert ready_esim.smdp_address in body
    assert ready_esim.matching_id in body
    assert ready_esim.activation_code.replace("$", "$") in body


def test_qr_is_inline_svg_with_a_text_alternative(client, ready_esim):
    body = _get(client, ready_esim.path).content.decode()
    svg = re.search(r"<svg[^>]*>.*?</svg>", body, re.S).group(0)
    assert 'role="img"' in svg
    assert "<title>" in svg
    assert 'aria-describedby="qr-caption"' in body or 'id="qr-caption"' in body


def test_unknown_token_gets_a_404_page_with_the_same_protections(client, db):
    response = _get(client, reverse("portal:esim", kwargs={"token": "A" * 43}))
    assert response.status_code == 404
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"


def test_malformed_token_is_refused_without_touching_the_database(
    client, db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = _get(client, "/esim/not-a-token/")
    assert response.status_code == 404


def test_rotated_link_stops_working_and_the_new_one_works(client, ready_esim):
    access = services.access_token_rotate(esim=ready_esim.esim, actor="staff")
    assert _get(client, ready_esim.path).status_code == 404
    new_path = reverse("portal:esim", kwargs={"token": reveal(access.token)})
    assert _get(client, new_path).status_code == 200


def test_page_headers_forbid_indexing_referrers_and_shared_caches(client, ready_esim):
    response = _get(client, ready_esim.path)
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    cache = response["Cache-Control"]
    assert "private" in cache
    assert "no-store" in cache
    assert "public" not in cache


def test_csp_allows_only_own_scripts_and_one_nonced_style(client, ready_esim):
    response = _get(client, ready_esim.path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    body = response.content.decode()
    assert f'<style nonce="{nonce}">' in body
    assert "<script>" not in body
    assert " style=" not in body


@pytest.mark.parametrize(
    ("agent", "host"),
    [(IOS_17_4, "esimsetup.apple.com"), (ANDROID, "esimsetup.android.com")],
)
def test_one_tap_button_for_ios_17_4_and_android(client, ready_esim, agent, host):
    body = _get(client, ready_esim.path, agent=agent).content.decode()
    assert "Install on this phone" in body
    assert f"https://{host}/esim_qrcode_provisioning?carddata=LPA%3A1%24" in body


@pytest.mark.parametrize("agent", [DESKTOP, IOS_17_3])
def test_no_one_tap_button_for_desktops_and_older_ios(client, ready_esim, agent):
    body = _get(client, ready_esim.path, agent=agent).content.decode()
    assert "Install on this phone" not in body


def test_installed_esim_says_so_and_hides_the_install_details(client, ready_esim):
    ready_esim.set_profile_state(ProfileState.INSTALLED)
    body = _get(client, ready_esim.path).content.decode()
    assert "Installed" in body
    assert ready_esim.matching_id not in body
    assert "<svg" not in body


def test_suspended_esim_is_described_in_plain_words(client, ready_esim):
    ready_esim.set_profile_state(ProfileState.SUSPENDED)
    body = _get(client, ready_esim.path).content.decode()
    assert "Suspended" in body
    assert "Contact support" in body


def test_usage_bar_shows_data_used_and_left(client, ready_esim):
    ready_esim.set_usage(used_mb=2500)
    body = _get(client, ready_esim.path).content.decode()
    assert "<meter" in body
    assert 'value="25"' in body
    assert "2.5 GB used of 10 GB (7.5 GB left)" in body


def test_no_usage_bar_before_usage_is_known(client, ready_esim):
    body = _get(client, ready_esim.path).content.decode()
    assert "<meter" not in body


def test_page_shows_its_own_partner_brand_and_support_only(client, ready_esim, other_partner_esim):
    body = _get(client, ready_esim.path).content.decode()
    assert ready_esim.partner_name in body
    assert ready_esim.support_email in body
    assert other_partner_esim.partner_name not in body


def test_accept_language_chooses_the_page_language(client, ready_esim):
    body = _get(client, ready_esim.path, HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9").content.decode()
    assert 'lang="es"' in body
    assert "Instala tu eSIM" in body


def test_language_switch_is_remembered_for_the_page_and_the_emails(client, ready_esim):
    response = _get(client, ready_esim.path + "?lang=de")
    assert 'lang="de"' in response.content.decode()
    assert response.cookies["django_language"].value == "de"
    assert EsimAccessToken.objects.get(esim=ready_esim.esim).language == "de"
    assert 'lang="de"' in _get(client, ready_esim.path).content.decode()


def test_page_is_read_in_a_bounded_number_of_queries(
    client, ready_esim, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        assert _get(client, ready_esim.path).status_code == 200


def test_expired_esim_says_so_and_hides_the_install_details(client, ready_esim):
    Esim.objects.filter(pk=ready_esim.esim.pk).update(status=EsimStatus.EXPIRED)
    body = _get(client, ready_esim.path).content.decode()
    assert "Expired" in body
    assert ready_esim.matching_id not in body


def test_esim_still_being_provisioned_asks_to_reload(client, ready_esim):
    Esim.objects.filter(pk=ready_esim.esim.pk).update(status=EsimStatus.PROVISIONING)
    body = _get(client, ready_esim.path).content.decode()
    assert "Being prepared" in body
    assert "reload this page" in body
    assert "<svg" not in body


def test_countries_of_a_region_are_listed_in_the_page_language(client, ready_esim):
    body = _get(client, ready_esim.path, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Funktioniert in 3 Ländern" in body
    assert "Deutschland" in body
    assert "Spanien" in body


def test_a_link_checker_s_head_request_gets_the_page_headers(client, ready_esim):
    response = client.head(ready_esim.path, HTTP_USER_AGENT=DESKTOP)

    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_refused_request_to_a_page_link_does_not_log_the_link(client, ready_esim):
    """Django logs a 405 with the request attached; the configured handler redacts it."""
    token = ready_esim.path.rstrip("/").rsplit("/", 1)[1]
    (console,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactSecretsFilter) for f in h.filters)
    ]
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        response = client.post(ready_esim.path, HTTP_USER_AGENT=DESKTOP)
    finally:
        console.setStream(previous)

    assert response.status_code == 405
    assert "Method Not Allowed" in stream.getvalue()
    assert token not in stream.getvalue()
