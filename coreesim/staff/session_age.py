"""The absolute limit of a staff session: ``SESSION_COOKIE_AGE`` after the password step,
however active the session is.

The database expiry of a session moves forward every time it is saved, and
``StaffAccessMiddleware`` saves an active session every minute (its last-seen time), so that
expiry alone would never end a session in use. The login time is therefore written into the
session when the user logs in (``user_logged_in``) and checked on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from coreesim.staff.middleware import GUARDED_PREFIXES

LOGGED_IN_AT_KEY = "staff_logged_in_at"


def login_time_record(*, request: HttpRequest | None, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: when this session's login happened."""
    if request is not None:
        request.session[LOGGED_IN_AT_KEY] = int(time.time())


class StaffSessionAgeMiddleware:
    """Logs out a session older than ``SESSION_COOKIE_AGE`` (or one without a login time, from
    before this check existed); on a staff or admin page, back to the login with ``next``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and self._too_old(request):
            logout(request)
            if request.path_info.startswith(GUARDED_PREFIXES):
                messages.info(request, "Your session reached its time limit; please log in again.")
                url = reverse("staff:login")
                if request.method == "GET":
                    url = f"{url}?{urlencode({'next': request.get_full_path()})}"
                return HttpResponseRedirect(url)
        return self.get_response(request)

    @staticmethod
    def _too_old(request: HttpRequest) -> bool:
        logged_in_at = request.session.get(LOGGED_IN_AT_KEY)
        if logged_in_at is None:
            return True
        return int(time.time()) - int(logged_in_at) > settings.SESSION_COOKIE_AGE
