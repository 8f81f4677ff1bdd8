"""``/esim/find/``: a page link by email, the same answer either way, limited attempts."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from orders.portal.choices import EmailKind
from orders.portal.models import TravelerEmail
from orders.portal.views import FIND_PER_EMAIL, FIND_PER_IP

pytestmark = pytest.mark.django_db(transaction=True)

FIND = reverse("portal:find")


def _strip_per_response_values(html: str) -> str:
    """The CSRF token and the CSP nonce differ on every response, by design."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def _post(client, email, reference, ip=None, forwarded=""):
    return client.post(
        FIND,
        {"email": email, "reference": reference},
        REMOTE_ADDR=ip or f"198.51.100.{uuid.uuid4().int % 250}",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_find_form_renders_labelled_fields(client):
    body = client.get(FIND).content.decode()
    assert '<label for="id_email">' in body
    assert '<label for="id_reference">' in body


def test_matching_details_queue_a_page_link_email(client, ready_esim):
    _post(client, ready_esim.traveler_email.upper(), ready_esim.reference)
    assert TravelerEmail.objects.filter(esim=ready_esim.esim, kind=EmailKind.PAGE_LINK).exists()


def test_the_answer_is_the_same_whether_or_not_the_details_match(client, ready_esim):
    matched = _post(client, ready_esim.traveler_email, ready_esim.reference)
    unmatched = _post(client, "nobody@example.com", "NO-SUCH-ORDER")
    assert matched.status_code == unmatched.status_code == 200
    assert _strip_per_response_values(matched.content.decode()) == _strip_per_response_values(
        unmatched.content.decode()
    )


def test_a_wrong_reference_sends_nothing(client, ready_esim):
    _post(client, ready_esim.traveler_email, "WRONG")
    assert not TravelerEmail.objects.filter(kind=EmailKind.PAGE_LINK).exists()
    assert mail.outbox == []


def test_attempts_per_email_are_limited(client, ready_esim):
    email = f"{uuid.uuid4().hex}@example.com"
    for _ in range(FIND_PER_EMAIL.max_hits):
        assert _post(client, email, "X").status_code == 200
    response = _post(client, email, "X")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()


def test_attempts_per_ip_are_limited(client, db):
    ip = f"203.0.113.{uuid.uuid4().int % 250}"
    for _ in range(FIND_PER_IP.max_hits):
        _post(client, f"{uuid.uuid4().hex}@example.com", "X", ip=ip)
    assert _post(client, f"{uuid.uuid4().hex}@example.com", "X", ip=ip).status_code == 429


def test_behind_our_proxy_attempts_are_counted_per_forwarded_client(client, db):
    proxy = f"10.0.0.{uuid.uuid4().int % 250}"
    limited = f"203.0.113.{uuid.uuid4().int % 250}"
    with override_settings(TRUSTED_PROXIES=[proxy]):
        for _ in range(FIND_PER_IP.max_hits):
            _post(client, f"{uuid.uuid4().hex}@example.com", "X", ip=proxy, forwarded=limited)
        other = _post(
            client, f"{uuid.uuid4().hex}@example.com", "X", ip=proxy, forwarded="192.0.2.1"
        )

    assert other.status_code == 200


def test_invalid_email_is_reported_on_its_field(client, db):
    body = _post(client, "not-an-email", "X").content.decode()
    assert 'aria-invalid="true"' in body
    assert "Enter a valid email address." in body


def test_find_page_is_not_indexed_and_keeps_referrers_on_this_site(client, db):
    response = client.get(FIND)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Under no-referrer browsers send "Origin: null" with the form and CSRF refuses it.
    assert response["Referrer-Policy"] == "same-origin"
