"""Response headers every portal page carries.

The eSIM page holds an activation code, so it must never be indexed, leak its URL (which is
the credential) to another site through ``Referer``, or be kept in any cache: ``no-store``
also keeps it off a shared device's disk cache and out of its back/forward cache, and every
visit shows the current status.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from csp.constants import NONCE
from csp.decorators import csp_replace, csp_update
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers

# The global policy plus a per-response nonce for the one <style> that carries the partner's
# colours; images only from our own origin (no data: URIs) and no fetches at all.
PORTAL_CSP_UPDATE = {"style-src": [NONCE]}
PORTAL_CSP_REPLACE = {"img-src": ["'self'"], "connect-src": ["'none'"]}


def portal_response(
    *, referrer_policy: str = "no-referrer"
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Portal headers. Pages whose URL is a credential keep ``no-referrer``; a page with a
    form uses ``same-origin``, because under ``no-referrer`` browsers send ``Origin: null``
    with the POST and CSRF protection rightly refuses it."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(request, *args, **kwargs)
            response["Referrer-Policy"] = referrer_policy
            response["X-Robots-Tag"] = "noindex, nofollow"
            patch_cache_control(response, private=True, no_store=True, max_age=0)
            patch_vary_headers(response, ["Accept-Language", "Cookie", "User-Agent"])
            return response

        return csp_replace(PORTAL_CSP_REPLACE)(csp_update(PORTAL_CSP_UPDATE)(wrapped))

    return decorator
