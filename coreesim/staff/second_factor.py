"""Whether a request's user passed the second factor; importable before the app registry."""

from __future__ import annotations

from typing import Any


def second_factor_passed(user: Any) -> bool:
    """``OTPMiddleware`` gives every request's user the device it verified with, or None."""
    return getattr(user, "otp_device", None) is not None
