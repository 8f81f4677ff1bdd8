"""Authenticated encryption for secrets at rest (AES-256-GCM), with key rotation.

A stored value reads ``enc1:<key id>:<base64(nonce || ciphertext+tag)>``. The key id says which
configured key decrypts it, so several keys can be live at once: the first key in
``FIELD_ENCRYPTION_KEYS`` encrypts, every key decrypts. The associated data binds a value to its
column, so a ciphertext copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"
NONCE_BYTES = 12


class DecryptionError(ValueError):
    """The value was tampered with, belongs to another column, or its key is not configured."""


@dataclass(frozen=True)
class Keyring:
    primary_id: str
    keys: dict[str, AESGCM]


def parse_keys(specs: list[str]) -> Keyring:
    """Parse ``["kid:base64key", ...]``; the first entry is the one that encrypts."""
    if not specs:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: at least one key is needed.")
    keys: dict[str, AESGCM] = {}
    for spec in specs:
        kid, sep, encoded = spec.strip().partition(":")
        if not sep or not kid or ":" in kid:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS entry {kid or '?'!r} must look like "
                "'<key id>:<base64 key>'."
            )
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise ImproperlyConfigured(f"Encryption key {kid!r} is not valid base64.") from exc
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"Encryption key {kid!r} must be 32 bytes (AES-256), got {len(raw)}."
            )
        if kid in keys:
            raise ImproperlyConfigured(f"Encryption key id {kid!r} is configured twice.")
        keys[kid] = AESGCM(raw)
    return Keyring(primary_id=next(iter(keys)), keys=keys)


@lru_cache(maxsize=4)
def _keyring_for(specs: tuple[str, ...]) -> Keyring:
    return parse_keys(list(specs))


def keyring() -> Keyring:
    return _keyring_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def generate_key_spec(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


def encrypt(plaintext: str, *, context: str) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.keys[ring.primary_id].encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}:{ring.primary_id}:{base64.b64encode(nonce + sealed).decode()}"


def key_id_of(token: str) -> str:
    prefix, _, rest = token.partition(":")
    if prefix != PREFIX:
        raise DecryptionError("value is not an encrypted token")
    return rest.partition(":")[0]


def decrypt(token: str, *, context: str) -> str:
    ring = keyring()
    try:
        prefix, kid, encoded = token.split(":", 2)
    except ValueError as exc:
        raise DecryptionError("value is not an encrypted token") from exc
    if prefix != PREFIX:
        raise DecryptionError("value is not an encrypted token")
    key = ring.keys.get(kid)
    if key is None:
        raise DecryptionError(f"encryption key {kid!r} is not configured")
    try:
        blob = base64.b64decode(encoded, validate=True)
        plain = key.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
    except (binascii.Error, InvalidTag, ValueError) as exc:
        raise DecryptionError("encrypted value failed authentication") from exc
    return plain.decode()
