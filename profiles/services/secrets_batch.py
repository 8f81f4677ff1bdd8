"""Batch encryption for bulk loads, in exactly the format ``coreesim.fields`` reads back.

``coreesim.crypto.encrypt`` draws a random nonce per value; for a million values the
``os.urandom`` calls alone cost seconds. Here each batch draws one random 4-byte prefix and
counts the other 8 bytes (the deterministic nonce construction of NIST SP 800-38D §8.2.1),
which keeps every (key, nonce) pair unique, and encrypts with the same key, associated data
and ``enc1:<key id>:<base64>`` token, so ``decrypt`` reads the values like any other.
"""

from __future__ import annotations

import base64
import os

from coreesim import crypto


def encrypt_batch(values: list[str | None], *, context: str) -> list[str | None]:
    """``values`` encrypted for the column ``context``; ``None`` and ``""`` stay ``None``."""
    ring = crypto.keyring()
    key = ring.keys[ring.primary_id]
    aad = context.encode()
    head = f"{crypto.PREFIX}:{ring.primary_id}:"
    prefix = os.urandom(crypto.NONCE_BYTES - 8)
    b64 = base64.b64encode
    out: list[str | None] = []
    for counter, value in enumerate(values):
        if not value:
            out.append(None)
            continue
        nonce = prefix + counter.to_bytes(8, "big")
        out.append(head + b64(nonce + key.encrypt(nonce, value.encode(), aad)).decode())
    return out


def copy_rows(
    rows: list[list[str]],
    *,
    iccid_at: int,
    imsi_at: int | None,
    secret_at: list[int],
    contexts: list[str],
) -> bytes:
    """COPY text for ``import_rows``: line, ICCID, IMSI, then each secret encrypted.

    Each row is a checked line's values with its line number appended. A module-level
    function so ``pool_import`` can run it in worker processes for large files.
    """
    sealed = [
        encrypt_batch([row[at] for row in rows], context=context)
        for at, context in zip(secret_at, contexts, strict=True)
    ]
    out = []
    for index, row in enumerate(rows):
        fields = [row[-1], row[iccid_at], row[imsi_at] if imsi_at is not None else ""]
        fields += [column[index] or "\\N" for column in sealed]
        out.append("\t".join(fields))
    out.append("")
    return "\n".join(out).encode()
