"""Batch encryption for bulk loads, in exactly the format ``coreesim.fields`` reads back.

``coreesim.crypto.encrypt`` calls ``os.urandom`` once per value; for a million values those
calls alone cost seconds. Here one call draws the random nonces of the whole batch, and each
value still gets its own random 96-bit nonce (the construction of NIST SP 800-38D §8.2.2,
as ``encrypt`` uses). A counter under a random per-batch prefix would be cheaper to reason
about but not safe: two batches drawing the same 32-bit prefix, likely after some 65,000
batches, would repeat nonces under one key, which breaks AES-GCM. The key, associated data
and ``enc1:<key id>:<base64>`` token are those of ``encrypt``, so ``decrypt`` reads the values
like any other.
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
    size = crypto.NONCE_BYTES
    nonces = os.urandom(size * len(values))
    b64, seal = binascii.b2a_base64, key.encrypt
    out: list[str | None] = []
    for at, value in enumerate(values):
        if not value:
            out.append(None)
            continue
        nonce = nonces[at * size : (at + 1) * size]
        out.append((head + b64(nonce + seal(nonce, value.encode(), aad), newline=False)).decode())
    return out
