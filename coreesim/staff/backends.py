"""django-axes in front of the login form, without breaking logins that have no request."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginLockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check for every login through a web request.

    Axes refuses ``authenticate()`` without a request; code that logs a user in outside a web
    request (tests' ``client.login``, management commands) is not a guessing attacker, so it is
    passed on to the next backend instead of failing.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
