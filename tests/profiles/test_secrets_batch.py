"""Bulk encryption of imported PIN/PUK: readable like any secret, a fresh nonce per value."""

from __future__ import annotations

import base64

import pytest

from coreesim import crypto
from profiles.services.secrets_batch import encrypt_batch


def _nonce(token: str) -> bytes:
    return base64.b64decode(token.split(":", 2)[2])[: crypto.NONCE_BYTES]


def test_batch_values_decrypt_like_any_secret_and_blanks_stay_empty() -> None:
    sealed = encrypt_batch(["1234", "", None, "87654321"], context="profiles_profile.pin1")

    assert sealed[1] is None
    assert sealed[2] is None
    assert crypto.decrypt(sealed[0], context="profiles_profile.pin1") == "1234"
    assert crypto.decrypt(sealed[3], context="profiles_profile.pin1") == "87654321"


def test_a_batch_value_is_bound_to_its_column() -> None:
    (sealed,) = encrypt_batch(["1234"], context="profiles_profile.pin1")

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(sealed, context="profiles_profile.puk1")


def test_every_value_gets_its_own_random_nonce_across_batches() -> None:
    """No counter: batches that counted from the same start would repeat nonces whenever
    their prefixes met, and a repeated nonce under one key breaks AES-GCM."""
    tokens = [
        token
        for _ in range(2)
        for token in encrypt_batch([f"{n:04d}" for n in range(500)], context="c")
    ]
    nonces = [_nonce(t) for t in tokens if t]

    assert len(set(nonces)) == 1000
    assert len({nonce[-8:] for nonce in nonces}) == 1000
