"""Fixed-window rate limits kept in Redis, shared by every web process.

Identifiers (an IP address, an email) are hashed before they become keys, so Redis never holds
a traveler's email in clear. When Redis is unreachable the limiter lets the request through
and logs it: refusing every traveler because the cache is down would be worse than a short
window without limits, and the form only ever sends a link to the order's own address.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    scope: str
    max_hits: int
    window_seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int


def _key(limit: Limit, identifier: str, window: int) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{identifier}".encode()).hexdigest()[:32]
    return f"portal:rl:{limit.scope}:{digest}:{window}"


def hit(limit: Limit, identifier: str) -> Verdict:
    """Count one attempt for ``identifier`` and say whether it is still within ``limit``."""
    now = int(time.time())
    window = now // limit.window_seconds
    key = _key(limit, identifier, window)
    try:
        pipe = get_redis_connection("default").pipeline()
        pipe.incr(key)
        pipe.expire(key, limit.window_seconds + 1)
        count = int(pipe.execute()[0])
    except RedisError:
        logger.warning("portal_ratelimit_unavailable", extra={"scope": limit.scope})
        return Verdict(allowed=True, retry_after=0)
    retry_after = (window + 1) * limit.window_seconds - now
    return Verdict(allowed=count <= limit.max_hits, retry_after=max(retry_after, 1))


def hit_all(checks: list[tuple[Limit, str]]) -> Verdict:
    """Count the attempt against every limit (so none can be dodged) and combine the verdicts."""
    verdicts = [hit(limit, identifier) for limit, identifier in checks]
    refused = [v for v in verdicts if not v.allowed]
    if refused:
        return Verdict(allowed=False, retry_after=max(v.retry_after for v in refused))
    return Verdict(allowed=True, retry_after=0)
