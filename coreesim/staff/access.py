"""Permission checks for staff pages: one decorator, one capability per view.

The middleware already guarantees that a request reaching a /staff/ view comes from an active
staff user who passed the second factor; these checks decide what that user may do, and
check the second factor once more, so a routing mistake in front of a view cannot open it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from coreesim.staff.choices import Capability
from coreesim.staff.second_factor import second_factor_passed

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def staff_user(request: HttpRequest) -> User:
    """The logged-in user of a staff request (the middleware let only those through)."""
    if not request.user.is_authenticated:
        raise PermissionDenied("not logged in")
    return cast(User, request.user)


def perm(capability: Capability) -> str:
    return f"staff.{capability.value}"


def can(user: User | AnonymousUser, capability: Capability) -> bool:
    return bool(user.is_active and user.has_perm(perm(capability)))


def require(*capabilities: Capability) -> Callable[[View], View]:
    """Let the view run only for users holding every one of ``capabilities`` (else 403)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not second_factor_passed(request.user):
                raise PermissionDenied("the second factor was not passed")
            if not all(can(request.user, c) for c in (Capability.USE_BACKOFFICE, *capabilities)):
                raise PermissionDenied("your role does not allow this page")
            return view(request, *args, **kwargs)

        wrapped.staff_capabilities = capabilities  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
