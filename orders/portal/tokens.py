"""Portal access tokens: 256 random bits in the URL, only their SHA-256 digest is looked up.

A token is a bearer credential for one eSIM page. It is stored encrypted (so the link can be
emailed again) beside its digest (so it can be found without decrypting every row). A plain
hash suffices because the token itself is random and long; no key to rotate.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32  # 256 bits, at least twice the 128 bits the issue asks for
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def token_generate() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def token_well_formed(token: str) -> bool:
    return bool(_TOKEN_SHAPE.match(token))
