"""Typed refusals of the order services; each carries the API's stable error code.

``InsufficientBalance`` is the partners app's own exception, re-exported so callers catch every
refusal of ``order_place`` from one module.
"""

from __future__ import annotations

from coreesim.problems import ErrorCode
from partners.services import InsufficientBalance


class OrderError(Exception):
    """Base of every refusal; nothing was charged, reserved or written when one is raised."""

    code: ErrorCode = ErrorCode.VALIDATION_ERROR


class InvalidQuantity(OrderError):
    code = ErrorCode.VALIDATION_ERROR


class InvalidEid(OrderError):
    """An EID is 32 digits; binding an order to a malformed one would fail at the SM-DP+."""

    code = ErrorCode.VALIDATION_ERROR


class InvalidLanguage(OrderError):
    """The traveler's emails can only be written in a language the site has."""

    code = ErrorCode.VALIDATION_ERROR


class PlanNotAllowed(OrderError):
    """Unknown or inactive plan, a top-up ordered as a base plan, or not sold by this partner."""

    code = ErrorCode.PLAN_NOT_ALLOWED


class OutOfStock(OrderError):
    code = ErrorCode.OUT_OF_STOCK


class InvalidEsimState(OrderError):
    """The eSIM (or its profile) is not in a state that allows this action."""

    code = ErrorCode.INVALID_STATE


class IdempotencyConflict(OrderError):
    """The idempotency key was already used for a different request."""

    code = ErrorCode.IDEMPOTENCY_CONFLICT


__all__ = [
    "IdempotencyConflict",
    "InsufficientBalance",
    "InvalidEid",
    "InvalidEsimState",
    "InvalidLanguage",
    "InvalidQuantity",
    "OrderError",
    "OutOfStock",
    "PlanNotAllowed",
]


class NoFailedEmail(OrderError):
    """Staff asked to resend an eSIM's failed traveler emails and none has failed."""

    code = ErrorCode.CONFLICT
