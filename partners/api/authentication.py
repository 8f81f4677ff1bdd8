"""The partners app's answer to "who holds this API key?" for ``coreesim.api``."""

from __future__ import annotations

import hmac

from coreesim.api.authentication import ApiClient
from partners.choices import API_KEY_PREFIX
from partners.models import ApiKey
from partners.services import api_key_authenticate, api_key_hash


def _client(key: ApiKey, *, active: bool) -> ApiClient:
    return ApiClient(
        partner=key.partner,
        key=key,
        partner_id=key.partner_id,
        key_id=key.pk,
        scopes=frozenset(key.scopes),
        partner_active=active,
    )


def _suspended_partner_key(presented: str) -> ApiKey | None:
    """A valid, live key whose partner is suspended: it gets 403 (so the partner learns why)
    where an unknown key gets 401. Same constant-time check as ``api_key_authenticate``."""
    prefix, sep, secret = presented.removeprefix(API_KEY_PREFIX).partition(".")
    if not presented.startswith(API_KEY_PREFIX) or not sep or not prefix or not secret:
        return None
    key = ApiKey.objects.select_related("partner").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.hashed_secret, api_key_hash(secret)):
        return None
    if not key.is_usable() or key.partner.is_active:
        return None
    return key


def authenticate_api_key(*, presented: str, ip: str) -> ApiClient | None:
    key = api_key_authenticate(presented=presented, ip=ip or None)
    if key is not None:
        return _client(key, active=True)
    suspended = _suspended_partner_key(presented)
    return _client(suspended, active=False) if suspended is not None else None
