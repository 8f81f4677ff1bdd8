"""The gate in front of /staff/ and /admin/: staff login, second factor, idle expiry.

Order of checks for every request under those prefixes:
1. the login page itself is open (django-axes throttles it);
2. no session -> the login page, with ``next``;
3. a session of a user who is not active staff any more -> logged out;
4. idle for longer than ``STAFF_IDLE_TIMEOUT_SECONDS`` -> logged out (absolute age is
   ``SESSION_COOKIE_AGE``);
5. password but no second factor yet -> only the verify, enrol and logout pages.
Requires ``django_otp.middleware.OTPMiddleware`` before it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import get_script_prefix, reverse
from django_otp import user_has_device
from django_otp.middleware import is_verified

GUARDED_PREFIXES = ("/staff/", "/admin/")
LAST_SEEN_KEY = "staff_last_seen"
# Write the last-seen time at most this often: one session save a minute, not one a request.
LAST_SEEN_RESOLUTION_SECONDS = 60


def _routed(name: str) -> str:
    """The URL of ``name`` as routing sees it (``path_info``: without the script prefix)."""
    return "/" + reverse(name)[len(get_script_prefix()) :]


def _to(name: str, next_path: str | None = None) -> HttpResponseRedirect:
    url = reverse(name)
    if next_path:
        url = f"{url}?{urlencode({'next': next_path})}"
    return HttpResponseRedirect(url)


class StaffAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # path_info is what URL routing sees; path also carries SCRIPT_NAME, which a client
        # could set to move a staff URL out from under these prefixes while it still routes.
        if request.path_info.startswith(GUARDED_PREFIXES):
            refused = self._gate(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _gate(self, request: HttpRequest) -> HttpResponse | None:
        if request.path_info == _routed("staff:login"):
            return None
        next_path = request.get_full_path() if request.method == "GET" else None
        user = request.user
        if not user.is_authenticated:
            return _to("staff:login", next_path)
        if not (user.is_active and user.is_staff):
            logout(request)
            messages.error(request, "This account may not use the staff back office.")
            return _to("staff:login")
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_KEY)
        idle_limit = settings.STAFF_IDLE_TIMEOUT_SECONDS
        if last_seen is not None and now - int(last_seen) > idle_limit:
            logout(request)
            messages.info(request, "Your session expired after inactivity; please log in again.")
            return _to("staff:login", next_path)
        if last_seen is None or now - int(last_seen) >= LAST_SEEN_RESOLUTION_SECONDS:
            request.session[LAST_SEEN_KEY] = now
        if is_verified(user):
            return None
        if request.path_info in (_routed("staff:verify"), _routed("staff:enroll")):
            return None
        if request.path_info == _routed("staff:logout"):
            return None
        target = "staff:verify" if user_has_device(user) else "staff:enroll"
        return _to(target, next_path)
