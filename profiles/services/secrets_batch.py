"""Batch encryption for bulk loads, in exactly the format ``coreesim.fields`` reads back.

``coreesim.crypto.encrypt`` draws a random nonce per value; for a million values the
``os.urandom`` calls alone cost seconds. Here each batch draws one random 4-byte prefix and
counts the other 8 bytes (the deterministic nonce construction of NIST SP 800-38D §8.2.1),
which keeps every (key, nonce) pair unique, and encrypts with the same key, associated data
and ``enc1:<key id>:<base64>`` token, so ``decrypt`` reads the values like any other.
"""

from __future__ import annotations

import binascii
import os

from coreesim import crypto


def encrypt_batch(values: list[str | None], *, context: str) -> list[str | None]:
    """``values`` encrypted for the column ``context``; ``None`` and ``""`` stay ``None``."""
    ring = crypto.keyring()
    key = ring.keys[ring.primary_id]
    aad = context.encode()
    head = f"{crypto.PREFIX}:{ring.primary_id}:".encode()
    prefix = os.urandom(crypto.NONCE_BYTES - 8)
    b64, seal = binascii.b2a_base64, key.encrypt
    out: list[str | None] = []
    for counter, value in enumerate(values):
        if not value:
            out.append(None)
            continue
        nonce = prefix + counter.to_bytes(8, "big")
        out.append((head + b64(nonce + seal(nonce, value.encode(), aad), newline=False)).decode())
    return out
