"""``Authorization: Bearer <key>`` for the partner API.

The key lookup itself belongs to the partners app; it is named by the setting
``API_KEY_AUTHENTICATOR`` (a callable ``(presented, ip) -> ApiClient | None``) so that this
module, like all of ``coreesim``, imports no app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from coreesim.client_address import client_address

BEARER = "bearer"


@dataclass(frozen=True)
class ApiClient:
    """The caller behind a valid API key; DRF's ``request.user`` on every partner endpoint.

    ``partner`` and ``key`` are the partners app's model instances; the plain fields are what
    the shared machinery (scopes, rate limits, idempotency) needs without knowing those models.
    """

    partner: Any
    key: Any
    partner_id: int
    key_id: int
    scopes: frozenset[str] = field(default_factory=frozenset)
    partner_active: bool = True
    rate_limit_per_minute: int | None = None
    is_authenticated: bool = True
    is_anonymous: bool = False

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


@cache
def _authenticator() -> Callable[..., ApiClient | None]:
    return import_string(settings.API_KEY_AUTHENTICATOR)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """401 for a missing, malformed, unknown, revoked or expired key (never which one)."""

    def authenticate(self, request: Request) -> tuple[ApiClient, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, presented = header.partition(" ")
        presented = presented.strip()
        if scheme.lower() != BEARER or not presented or " " in presented:
            raise exceptions.AuthenticationFailed(
                "Use 'Authorization: Bearer <api key>' with a single key."
            )
        client = _authenticator()(presented=presented, ip=client_address(request))
        if client is None:
            raise exceptions.AuthenticationFailed("The API key is unknown, revoked or expired.")
        return client, client.key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="CoreESIM partner API"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "API key",
            "description": "An API key created in the partner console, sent as a Bearer token.",
        }
