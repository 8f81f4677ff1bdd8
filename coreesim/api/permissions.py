"""Who may call what: an active partner, and the scope each operation names."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from coreesim.api.authentication import ApiClient


def _client(request: Request) -> ApiClient | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, ApiClient) else None


def implements(view: Any, method: str | None) -> bool:
    """Whether ``view`` has a handler for ``method`` (DRF answers 405 when it has none)."""
    name = (method or "").lower()
    return name in view.http_method_names and hasattr(view, name)


class PartnerIsActive(permissions.BasePermission):
    """A suspended partner's keys still authenticate (so it learns why) but may do nothing."""

    message = "The partner account is suspended; contact your account manager."

    def has_permission(self, request: Request, view: Any) -> bool:
        client = _client(request)
        return client is not None and client.partner_active


class HasScope(permissions.BasePermission):
    """The key must carry the scope the view names for this HTTP method.

    Views declare ``required_scopes = {"GET": "orders:read", "POST": "orders:write"}``; a
    method a view implements but does not list is refused, so a new method cannot slip out
    unguarded. A method it does not implement at all is let through to DRF, which answers 405
    as the guide promises (a 403 would send the partner looking for a scope that cannot help).
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not implements(view, request.method):
            return True
        client = _client(request)
        scopes: dict[str, str] = getattr(view, "required_scopes", {})
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        scope = scopes.get(method or "")
        if client is None or scope is None:
            return False
        if client.has_scope(scope):
            return True
        self.message = f"This API key lacks the '{scope}' scope."
        return False
