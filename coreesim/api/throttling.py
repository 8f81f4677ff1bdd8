"""Per-API-key rate limits counted in Redis, answered with 429 and ``Retry-After``.

A fixed one-minute window per key: one ``INCR`` and one ``EXPIRE`` in a pipeline per request.
The limit is the key's own (``ApiClient.rate_limit_per_minute``) or ``API_RATE_LIMIT_PER_MINUTE``.
If Redis is unreachable the request is let through and logged: an outage of the counter must
not become an outage of the API.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from coreesim.api.authentication import ApiClient

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
KEY_PREFIX = "coreesim:ratelimit"


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_in: int


def rate_limit_hit(*, key_id: int, limit: int, now: float | None = None) -> RateLimitState:
    """Count one request of ``key_id`` in the current window and say what is left."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    redis_key = f"{KEY_PREFIX}:{key_id}:{window}"
    pipe = get_redis_connection("default").pipeline()
    pipe.incr(redis_key)
    pipe.expire(redis_key, WINDOW_SECONDS + 1)
    count, _ = pipe.execute()
    reset_in = max(1, (window + 1) * WINDOW_SECONDS - int(now))
    return RateLimitState(limit=limit, remaining=limit - int(count), reset_in=reset_in)


class ApiKeyRateThrottle(BaseThrottle):
    """Refuses a key that went over its per-minute budget until the window turns."""

    def __init__(self) -> None:
        self.state: RateLimitState | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return True
        limit = client.rate_limit_per_minute or settings.API_RATE_LIMIT_PER_MINUTE
        try:
            self.state = rate_limit_hit(key_id=client.key_id, limit=limit)
        except RedisError:
            logger.warning("api_rate_limit_unavailable", extra={"api_key_id": client.key_id})
            return True
        request.rate_limit = self.state
        return self.state.remaining >= 0

    def wait(self) -> float | None:
        return float(self.state.reset_in) if self.state else None


def rate_limit_headers(state: RateLimitState) -> dict[str, str]:
    """The IETF ``RateLimit-*`` fields, so a client can slow down before it is refused."""
    return {
        "RateLimit-Limit": str(state.limit),
        "RateLimit-Remaining": str(max(0, state.remaining)),
        "RateLimit-Reset": str(state.reset_in),
    }
