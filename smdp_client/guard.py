"""Per-server circuit breaker, rate limit and concurrency limit, shared by every process.

State lives in Redis (one hash per server) so all web and worker processes agree; staff see it
through ``selectors.circuit_status``. Admission and settlement are single Lua scripts: one
round trip each, atomic across processes.

- Circuit breaker: ``circuit_failure_threshold`` consecutive transport failures open it; while
  open, calls are refused without being sent; after ``circuit_reset_seconds`` one probe call is
  let through (half-open); its success closes the circuit, its failure opens it again.
- Rate limit: at most ``rate_limit_per_second`` calls started per second (0 = unlimited).
- Concurrency: at most ``max_concurrency`` calls in flight. Each slot is a lease that expires,
  so a worker killed mid-call does not hold its slot forever.

If Redis itself is unreachable the guard lets calls through (and says so in the log): the
SM-DP+ is still the one to protect, and a Redis outage already stops the broker.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django_redis import get_redis_connection
from redis.exceptions import RedisError

from smdp_client.choices import CircuitState, TransportFailure
from smdp_client.errors import Es2TransportError
from smdp_client.models import SmdpServer

logger = logging.getLogger(__name__)

ADMITTED, CIRCUIT_OPEN, RATE_LIMITED, SATURATED = 0, 1, 2, 3
POLL_SECONDS = 0.01

_ADMIT = """
local cb, probe_key, rate_key, conc = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now, threshold, reset = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local rate_limit, max_conc, token = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local lease = tonumber(ARGV[7])
local state = redis.call('HGET', cb, 'state') or 'closed'
local probe = 0
if state == 'open' then
  local opened = tonumber(redis.call('HGET', cb, 'opened_at') or '0')
  if now - opened < reset then return {1, 0} end
end
if state ~= 'closed' then
  if not redis.call('SET', probe_key, token, 'NX', 'EX', math.ceil(lease)) then return {1, 0} end
  redis.call('HSET', cb, 'state', 'half_open')
  probe = 1
end
if rate_limit > 0 then
  local n = redis.call('INCR', rate_key)
  if n == 1 then redis.call('EXPIRE', rate_key, 2) end
  if n > rate_limit then
    if probe == 1 then redis.call('DEL', probe_key) end
    return {2, 0}
  end
end
redis.call('ZREMRANGEBYSCORE', conc, '-inf', now)
if redis.call('ZCARD', conc) >= max_conc then
  if probe == 1 then redis.call('DEL', probe_key) end
  return {3, 0}
end
redis.call('ZADD', conc, now + lease, token)
return {0, probe}
"""

_SETTLE = """
local cb, probe_key, conc = KEYS[1], KEYS[2], KEYS[3]
local token, failed, now, threshold = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
redis.call('ZREM', conc, token)
local state = redis.call('HGET', cb, 'state') or 'closed'
local is_probe = redis.call('GET', probe_key) == token
if failed == '1' then
  local failures = redis.call('HINCRBY', cb, 'failures', 1)
  redis.call('HSET', cb, 'last_failure_at', now)
  if is_probe or (state == 'closed' and failures >= threshold) then
    redis.call('HSET', cb, 'state', 'open', 'opened_at', now)
  end
  if is_probe then redis.call('DEL', probe_key) end
else
  if state ~= 'closed' and (is_probe or state == 'half_open') then
    redis.call('HSET', cb, 'state', 'closed', 'failures', 0)
    redis.call('DEL', probe_key)
  elseif redis.call('HGET', cb, 'failures') ~= '0' then
    redis.call('HSET', cb, 'failures', 0)
  end
end
return 1
"""


def _keys(server_id: int) -> tuple[str, str, str]:
    base = f"coreesim:es2:{server_id}"
    return f"{base}:circuit", f"{base}:probe", f"{base}:inflight"


@dataclass(frozen=True)
class Slot:
    """An admitted call; hand it back to ``settle`` when the call ended."""

    server_id: int
    token: str | None


@dataclass(frozen=True)
class CircuitStatus:
    state: CircuitState
    consecutive_failures: int
    opened_at: datetime | None
    in_flight: int


def _lease_seconds(server: SmdpServer) -> float:
    return server.connect_timeout + server.read_timeout + 5.0


def admit(server: SmdpServer) -> Slot:
    """Wait for room to call ``server``; refuse at once while its circuit is open.

    Raises ``Es2TransportError(sent=False)``: the request was not sent, so retrying is safe.
    """
    cb, probe, conc = _keys(server.pk)
    token = uuid.uuid4().hex
    deadline = time.monotonic() + max(server.connect_timeout, 0.1)
    try:
        redis = get_redis_connection("default")
        script = redis.register_script(_ADMIT)
        while True:
            now = time.time()
            rate_key = f"coreesim:es2:{server.pk}:rate:{int(now)}"
            verdict, _probe = script(
                keys=[cb, probe, rate_key, conc],
                args=[
                    now,
                    server.circuit_failure_threshold,
                    server.circuit_reset_seconds,
                    server.rate_limit_per_second,
                    max(server.max_concurrency, 1),
                    token,
                    _lease_seconds(server),
                ],
            )
            if verdict == ADMITTED:
                return Slot(server.pk, token)
            if verdict == CIRCUIT_OPEN:
                raise Es2TransportError(
                    TransportFailure.CIRCUIT_OPEN,
                    f"the circuit breaker for {server.name} is open after repeated "
                    "transport failures; the call was not sent",
                    sent=False,
                )
            if time.monotonic() >= deadline:
                what = "rate limit" if verdict == RATE_LIMITED else "concurrency limit"
                raise Es2TransportError(
                    TransportFailure.BUSY,
                    f"the {what} for {server.name} stayed reached; the call was not sent",
                    sent=False,
                )
            pause = (1.0 - (now % 1.0)) if verdict == RATE_LIMITED else POLL_SECONDS
            time.sleep(min(pause, max(deadline - time.monotonic(), 0.0)) + 0.001)
    except RedisError as exc:
        logger.warning("es2_guard_unavailable", extra={"server": server.name, "error": str(exc)})
        return Slot(server.pk, None)


def settle(server: SmdpServer, slot: Slot, *, transport_failed: bool) -> None:
    """Free the slot and feed the breaker: only transport failures count against a server."""
    if slot.token is None:
        return
    cb, probe, conc = _keys(server.pk)
    try:
        redis = get_redis_connection("default")
        redis.register_script(_SETTLE)(
            keys=[cb, probe, conc],
            args=[
                slot.token,
                "1" if transport_failed else "0",
                time.time(),
                server.circuit_failure_threshold,
            ],
        )
    except RedisError as exc:
        logger.warning("es2_guard_unavailable", extra={"server": server.name, "error": str(exc)})


def status(server: SmdpServer) -> CircuitStatus:
    cb, _probe, conc = _keys(server.pk)
    redis = get_redis_connection("default")
    pipe = redis.pipeline()
    pipe.hgetall(cb)
    pipe.zcount(conc, time.time(), "+inf")
    raw, in_flight = pipe.execute()
    data = {k.decode(): v.decode() for k, v in raw.items()}
    opened = data.get("opened_at")
    return CircuitStatus(
        state=CircuitState(data.get("state", CircuitState.CLOSED)),
        consecutive_failures=int(data.get("failures", 0)),
        opened_at=datetime.fromtimestamp(float(opened), tz=UTC) if opened else None,
        in_flight=int(in_flight),
    )


def reset(server: SmdpServer) -> None:
    """Close the circuit and forget in-flight leases (staff action after fixing the cause)."""
    get_redis_connection("default").delete(*_keys(server.pk))
