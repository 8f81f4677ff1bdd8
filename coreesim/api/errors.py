"""Domain refusals → problem documents, with one HTTP status per stable error code."""

from __future__ import annotations

from rest_framework import status

from coreesim.problems import ErrorCode, ProblemError

STATUS_FOR_CODE: dict[ErrorCode, int] = {
    ErrorCode.VALIDATION_ERROR: status.HTTP_400_BAD_REQUEST,
    ErrorCode.PLAN_NOT_ALLOWED: status.HTTP_422_UNPROCESSABLE_ENTITY,
    ErrorCode.OUT_OF_STOCK: status.HTTP_409_CONFLICT,
    ErrorCode.INSUFFICIENT_BALANCE: status.HTTP_402_PAYMENT_REQUIRED,
    ErrorCode.INVALID_STATE: status.HTTP_409_CONFLICT,
    ErrorCode.IDEMPOTENCY_CONFLICT: status.HTTP_422_UNPROCESSABLE_ENTITY,
    ErrorCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
}


def problem_from(exc: Exception, *, code: ErrorCode | None = None) -> ProblemError:
    """A service's typed refusal (it carries ``code``) as the API's problem, message kept."""
    resolved = code or ErrorCode(getattr(exc, "code", ErrorCode.VALIDATION_ERROR))
    return ProblemError(
        resolved, str(exc), http_status=STATUS_FOR_CODE.get(resolved, status.HTTP_400_BAD_REQUEST)
    )
