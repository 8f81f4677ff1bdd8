"""RFC 9457 problem details for every API error.

Each error has a stable ``code`` (spelled once, in ``ErrorCode``) that partners can branch on;
``type`` is a URI built from it. No stack trace or internal message ever reaches the client.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://docs.coreesim.test/problems/"


class ErrorCode(TextChoices):
    VALIDATION_ERROR = "validation_error", "The request is not valid"
    PARSE_ERROR = "parse_error", "The request body is not valid JSON"
    NOT_AUTHENTICATED = "not_authenticated", "Authentication required"
    AUTHENTICATION_FAILED = "authentication_failed", "Authentication failed"
    PERMISSION_DENIED = "permission_denied", "Not allowed"
    NOT_FOUND = "not_found", "Not found"
    METHOD_NOT_ALLOWED = "method_not_allowed", "Method not allowed"
    NOT_ACCEPTABLE = "not_acceptable", "Not acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "Unsupported media type"
    CONFLICT = "conflict", "Conflict"
    THROTTLED = "throttled", "Too many requests"
    SERVER_ERROR = "server_error", "Internal error"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"
    INSUFFICIENT_BALANCE = "insufficient_balance", "Insufficient balance"
    PLAN_NOT_ALLOWED = "plan_not_allowed", "Plan not allowed"
    INVALID_STATE = "invalid_state", "Invalid state for this action"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict", "Idempotency key reused with another request"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress", "Request with this key still running"


class ProblemError(exceptions.APIException):
    """Raise from API code to answer with a problem document carrying a domain error code."""

    def __init__(self, code: ErrorCode, detail: str, *, http_status: int, **extra: Any) -> None:
        super().__init__(detail=detail, code=code.value)
        self.status_code = http_status
        self.problem_code = code
        self.extra = extra


_DRF_CODES: dict[type[exceptions.APIException], ErrorCode] = {
    exceptions.ValidationError: ErrorCode.VALIDATION_ERROR,
    exceptions.ParseError: ErrorCode.PARSE_ERROR,
    exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: ErrorCode.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    exceptions.NotFound: ErrorCode.NOT_FOUND,
    exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: ErrorCode.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    exceptions.Throttled: ErrorCode.THROTTLED,
}


def problem_body(
    code: ErrorCode, *, status_code: int, detail: str, instance: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_BASE}{code.value}",
        "title": code.label,
        "status": status_code,
        "detail": detail,
        "code": code.value,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def _field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten DRF's nested error structure into ``[{"field": "a.b", "message": ...}]``."""
    errors: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            errors.extend(_field_errors(value, path))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            nested = isinstance(item, dict | list)
            errors.extend(_field_errors(item, f"{prefix}.{index}" if nested else prefix))
    else:
        errors.append(
            {"field": prefix, "message": str(detail), "code": getattr(detail, "code", "invalid")}
        )
    return errors


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering every error as ``application/problem+json``."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    instance = request.get_full_path() if request is not None else None
    if response is None:
        logger.exception("api_unhandled_error", extra={"path": instance})
        body = problem_body(
            ErrorCode.SERVER_ERROR,
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
            detail="An internal error occurred; it has been logged.",
            instance=instance,
        )
        return Response(body, status=500, content_type=PROBLEM_CONTENT_TYPE)
    assert isinstance(exc, exceptions.APIException)
    extra: dict[str, Any] = {}
    if isinstance(exc, ProblemError):
        code = exc.problem_code
        detail = str(exc.detail)
        extra = exc.extra
    elif isinstance(exc, exceptions.ValidationError):
        code = ErrorCode.VALIDATION_ERROR
        detail = "One or more fields are invalid."
        extra = {"errors": _field_errors(exc.detail)}
    else:
        code = next(
            (c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), ErrorCode.SERVER_ERROR
        )
        detail = str(exc.detail)
    response.data = problem_body(
        code, status_code=response.status_code, detail=detail, instance=instance, **extra
    )
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(
    request: HttpRequest, code: ErrorCode, *, status_code: int, detail: str
) -> JsonResponse:
    """The same document for plain Django views (404/500 handlers, middleware)."""
    return JsonResponse(
        problem_body(
            code, status_code=status_code, detail=detail, instance=request.get_full_path()
        ),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


# --- Django's own error views: problem documents under /api/, the usual pages elsewhere ---------

API_PATH_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PATH_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem_response(
            request, ErrorCode.VALIDATION_ERROR, status_code=400, detail="Bad request."
        )
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem_response(
            request,
            ErrorCode.PERMISSION_DENIED,
            status_code=403,
            detail="You do not have permission to perform this action.",
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem_response(
            request, ErrorCode.NOT_FOUND, status_code=404, detail="No such API resource."
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """The exception was already logged by Django; the client learns nothing about it."""
    if _is_api(request):
        return problem_response(
            request,
            ErrorCode.SERVER_ERROR,
            status_code=500,
            detail="An internal error occurred; it has been logged.",
        )
    return defaults.server_error(request)
