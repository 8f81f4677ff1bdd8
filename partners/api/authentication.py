"""The partners app's answer to "who holds this API key?" for ``coreesim.api``."""

from __future__ import annotations

from coreesim.api.authentication import ApiClient
from partners.models import ApiKey
from partners.services import api_key_record_use, api_key_verify


def _client(key: ApiKey, *, active: bool) -> ApiClient:
    return ApiClient(
        partner=key.partner,
        key=key,
        partner_id=key.partner_id,
        key_id=key.pk,
        scopes=frozenset(key.scopes),
        partner_active=active,
    )


def authenticate_api_key(*, presented: str, ip: str) -> ApiClient | None:
    """A live key of an active partner is a client; a live key of a suspended partner is a
    client that may do nothing (403, so the partner learns why); anything else is 401."""
    key = api_key_verify(presented=presented)
    if key is None or not key.is_usable():
        return None
    if not key.partner.is_active:
        return _client(key, active=False)
    api_key_record_use(key=key, ip=ip or None)
    return _client(key, active=True)
