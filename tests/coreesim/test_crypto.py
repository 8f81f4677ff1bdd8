"""Authenticated encryption of secrets at rest: AES-256-GCM with a key id in every value."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from coreesim import crypto

OLD = crypto.generate_key_spec("old")
NEW = crypto.generate_key_spec("new")
CONTEXT = "smdp_client.smdpserver.inbound_secret"


@given(plain=st.text())
def test_any_text_survives_a_round_trip(plain):
    token = crypto.encrypt(plain, context=CONTEXT)

    assert crypto.decrypt(token, context=CONTEXT) == plain


def test_a_token_names_its_key_and_hides_the_value():
    token = crypto.encrypt("LPA:1$smdp.example.com$MATCH-1", context=CONTEXT)

    assert token.startswith("enc1:dev:")
    assert "MATCH-1" not in token


def test_the_same_value_encrypts_differently_each_time():
    first = crypto.encrypt("same", context=CONTEXT)
    second = crypto.encrypt("same", context=CONTEXT)

    assert first != second


def test_a_tampered_token_is_refused():
    token = crypto.encrypt("secret", context=CONTEXT)
    prefix, kid, encoded = token.split(":", 2)
    blob = bytearray(base64.b64decode(encoded))
    blob[-1] ^= 0x01
    tampered = f"{prefix}:{kid}:{base64.b64encode(bytes(blob)).decode()}"

    with pytest.raises(crypto.DecryptionError, match="failed authentication"):
        crypto.decrypt(tampered, context=CONTEXT)


def test_a_truncated_token_is_refused():
    token = crypto.encrypt("secret", context=CONTEXT)

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token[:-8], context=CONTEXT)


def test_a_token_copied_to_another_column_does_not_decrypt():
    token = crypto.encrypt("secret", context=CONTEXT)

    with pytest.raises(crypto.DecryptionError, match="failed authentication"):
        crypto.decrypt(token, context="smdp_client.smdpserver.client_private_key")


def test_a_plain_value_is_not_mistaken_for_a_token():
    with pytest.raises(crypto.DecryptionError, match="not an encrypted token"):
        crypto.decrypt("just text", context=CONTEXT)


def test_a_token_under_an_unknown_key_id_says_which_key_is_missing():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        token = crypto.encrypt("secret", context=CONTEXT)

    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[NEW]),
        pytest.raises(crypto.DecryptionError, match="'old' is not configured"),
    ):
        crypto.decrypt(token, context=CONTEXT)


def test_with_several_keys_the_first_encrypts_and_every_key_decrypts():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        old_token = crypto.encrypt("from before", context=CONTEXT)

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        new_token = crypto.encrypt("from now", context=CONTEXT)
        assert crypto.key_id_of(new_token) == "new"
        assert crypto.decrypt(old_token, context=CONTEXT) == "from before"
        assert crypto.decrypt(new_token, context=CONTEXT) == "from now"


def test_generated_keys_are_256_bit_and_accepted():
    spec = crypto.generate_key_spec("2026-11")

    ring = crypto.parse_keys([spec])

    assert ring.primary_id == "2026-11"
    assert len(base64.b64decode(spec.partition(":")[2])) == 32


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([], "at least one key"),
        (["nokeyid"], "must look like"),
        ([":" + OLD.partition(":")[2]], "must look like"),
        (["k:***"], "not valid base64"),
        (["k:" + base64.b64encode(b"x" * 16).decode()], "must be 32 bytes"),
        ([OLD, OLD], "configured twice"),
    ],
    ids=["empty", "no-id", "blank-id", "bad-base64", "aes-128", "duplicate"],
)
def test_malformed_key_lists_are_refused_with_the_reason(specs, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.parse_keys(specs)
