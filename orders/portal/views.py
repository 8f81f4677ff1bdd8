"""The portal's HTML views: thin, each reads one selector or calls one service."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods, require_safe

from coreesim.client_address import client_address
from orders.portal import ratelimit, selectors, services
from orders.portal.branding import DEFAULT_BRAND
from orders.portal.forms import FindEsimForm
from orders.portal.http import portal_response

logger = logging.getLogger(__name__)

FIND_PER_IP = ratelimit.Limit(scope="find_ip", max_hits=20, window_seconds=3600)
FIND_PER_EMAIL = ratelimit.Limit(scope="find_email", max_hits=5, window_seconds=3600)


def _language_from_query(request: HttpRequest) -> str | None:
    """``?lang=xx`` from the switcher: activates the language for this response."""
    code = request.GET.get("lang", "")
    if code not in dict(settings.LANGUAGES):
        return None
    translation.activate(code)
    request.LANGUAGE_CODE = code
    return code


def _remember_language(response: HttpResponse, code: str | None) -> HttpResponse:
    if code:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=not settings.DEBUG,
            httponly=True,
        )
    return response


@require_safe  # GET and HEAD: link checkers send HEAD, and a 405 would be logged
@portal_response()
def esim_page(request: HttpRequest, token: str) -> HttpResponse:
    chosen = _language_from_query(request)
    page = selectors.esim_page_get(token=token, user_agent=request.headers.get("User-Agent", ""))
    if page is None:
        response = render(request, "portal/not_found.html", {"brand": DEFAULT_BRAND}, status=404)
        return _remember_language(response, chosen)
    services.access_language_set(
        access_id=page.access_id, language=chosen or translation.get_language()
    )
    response = render(request, "portal/esim.html", {"page": page, "brand": page.brand})
    return _remember_language(response, chosen)


@require_http_methods(["GET", "POST"])
@portal_response(referrer_policy="same-origin")
def find_esim(request: HttpRequest) -> HttpResponse:
    """Emails the page link when email and reference match; answers the same either way."""
    chosen = _language_from_query(request)
    context: dict[str, object] = {"brand": DEFAULT_BRAND, "sent": False, "limited": False}
    retry_after = 0
    form = FindEsimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        verdict = ratelimit.hit_all(
            [(FIND_PER_IP, client_address(request)), (FIND_PER_EMAIL, email)]
        )
        if verdict.allowed:
            services.page_link_request(
                email=email,
                reference=form.cleaned_data["reference"],
                language=translation.get_language(),
            )
            context["sent"] = True
            form = FindEsimForm()
        else:
            logger.info("portal_find_rate_limited", extra={"retry_after": verdict.retry_after})
            context["limited"] = True
            context["retry_minutes"] = max(1, -(-verdict.retry_after // 60))
            retry_after = verdict.retry_after
    context["form"] = form
    response = render(request, "portal/find.html", context, status=429 if retry_after else 200)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return _remember_language(response, chosen)
