"""API keys: shown once, stored as a keyed hash, verified in constant time, revocable."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.choices import ApiScope, PartnerStatus
from partners.models import ApiKey
from partners.services import (
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    partner_set_status,
)
from tests.factories.partners import PartnerFactory

pytestmark = pytest.mark.django_db


def test_the_plaintext_key_has_the_redactable_shape_and_is_not_stored() -> None:
    key, plaintext = api_key_create(partner=PartnerFactory(), scopes=[ApiScope.READ])

    prefix, secret = plaintext.removeprefix("cesk_").split(".")
    assert plaintext.startswith("cesk_")
    assert prefix == key.prefix
    stored = ApiKey.objects.get(pk=key.pk)
    assert secret not in stored.hashed_secret
    assert stored.scopes == ["read"]


def test_the_stored_hash_is_hmac_sha256_under_the_configured_key(settings) -> None:
    settings.API_KEY_HASH_KEY = "hash-key-for-tests"
    key, plaintext = api_key_create(partner=PartnerFactory())
    secret = plaintext.split(".", 1)[1]

    expected = hmac.new(b"hash-key-for-tests", secret.encode(), hashlib.sha256).hexdigest()
    assert key.hashed_secret == expected


def test_the_right_key_authenticates_and_records_its_use() -> None:
    key, plaintext = api_key_create(partner=PartnerFactory())

    found = api_key_authenticate(presented=plaintext, ip="192.0.2.7")

    assert found == key
    key.refresh_from_db()
    assert key.last_used_ip == "192.0.2.7"
    assert key.last_used_at is not None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),
        lambda k: k.replace("cesk_", ""),
        lambda k: k.split(".")[0],
        lambda k: "cesk_ffffffffffff." + k.split(".")[1],
        lambda k: "",
    ],
)
def test_a_wrong_or_malformed_key_is_refused(mangle) -> None:
    _, plaintext = api_key_create(partner=PartnerFactory())
    assert api_key_authenticate(presented=mangle(plaintext), ip=None) is None


def test_a_revoked_key_is_refused() -> None:
    key, plaintext = api_key_create(partner=PartnerFactory())
    api_key_revoke(key=key)
    assert api_key_authenticate(presented=plaintext, ip=None) is None


def test_an_expired_key_is_refused() -> None:
    _, plaintext = api_key_create(
        partner=PartnerFactory(), expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert api_key_authenticate(presented=plaintext, ip=None) is None


def test_a_suspended_partners_key_is_refused() -> None:
    partner = PartnerFactory()
    _, plaintext = api_key_create(partner=partner)
    partner_set_status(partner=partner, status=PartnerStatus.SUSPENDED)
    assert api_key_authenticate(presented=plaintext, ip=None) is None


def test_a_key_needs_a_scope() -> None:
    with pytest.raises(ValueError, match="scope"):
        api_key_create(partner=PartnerFactory(), scopes=[])


def test_last_use_is_written_at_most_once_a_minute_per_address(
    django_assert_num_queries,
) -> None:
    _, plaintext = api_key_create(partner=PartnerFactory())
    api_key_authenticate(presented=plaintext, ip="192.0.2.7")

    with django_assert_num_queries(1):
        api_key_authenticate(presented=plaintext, ip="192.0.2.7")
    with django_assert_num_queries(2):
        api_key_authenticate(presented=plaintext, ip="198.51.100.1")
