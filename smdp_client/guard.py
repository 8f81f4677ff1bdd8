"""Per-server circuit breaker, rate limit and concurrency limit, shared by every process.

State lives in Redis (one hash per server) so all web and worker processes agree; staff see it
through ``selectors.circuit_status``. Admission and settlement are single Lua scripts, atomic
across processes. Each is sent before the client writes its Es2Call row and its answer read
after (``Admission``, ``Settlement``): Redis decides while PostgreSQL writes, so on a busy
machine a call waits for two replies instead of four.

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
from typing import Any

from django_redis import get_redis_connection
from redis import Redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError, RedisError

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
local token, ending, now, threshold = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
redis.call('ZREM', conc, token)
local state = redis.call('HGET', cb, 'state') or 'closed'
local is_probe = redis.call('GET', probe_key) == token
if ending == 'unused' then
  if is_probe then redis.call('DEL', probe_key) end
elseif ending == 'failed' then
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
class _Scripts:
    redis: Redis
    admit: Script
    settle: Script


_scripts: _Scripts | None = None


def _registered() -> _Scripts:
    """The two scripts, their SHAs computed once per process rather than once per call."""
    global _scripts
    redis = get_redis_connection("default")
    if _scripts is None or _scripts.redis is not redis:
        _scripts = _Scripts(redis, redis.register_script(_ADMIT), redis.register_script(_SETTLE))
    return _scripts


class _Reply:
    """A script run already sent to Redis; ``read`` waits for its answer.

    Between the two the caller does its own I/O. The connection stays out of the pool until
    the answer is read (or is dropped when it cannot be), so nobody else reads our reply.
    """

    def __init__(self, redis: Redis, script: Script, keys: list[str], args: list[Any]) -> None:
        self._script, self._keys, self._args = script, keys, args
        self._pool = redis.connection_pool
        self._connection: Any = self._pool.get_connection()
        try:
            self._connection.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
        except BaseException:
            self._release(broken=True)
            raise

    def read(self) -> Any:
        try:
            return self._connection.read_response()
        except NoScriptError:
            # Redis forgot the script (restart, SCRIPT FLUSH), so it did not run: run it now.
            self._release(broken=False)
            return self._script(keys=self._keys, args=self._args)
        except BaseException:
            self._release(broken=True)
            raise
        finally:
            self._release(broken=False)

    def _release(self, *, broken: bool) -> None:
        if self._connection is None:
            return
        if broken:
            self._connection.disconnect()
        self._pool.release(self._connection)
        self._connection = None


def _send_settle(server: SmdpServer, token: str, ending: str) -> _Reply:
    """Free ``token``'s slot; ``ending`` "ok" or "failed" feeds the breaker, "unused" does not."""
    scripts = _registered()
    return _Reply(
        scripts.redis,
        scripts.settle,
        list(_keys(server.pk)),
        [token, ending, time.time(), server.circuit_failure_threshold],
    )


def _unavailable(server: SmdpServer, exc: RedisError) -> None:
    logger.warning("es2_guard_unavailable", extra={"server": server.name, "error": str(exc)})


@dataclass(frozen=True)
class Slot:
    """An admitted call; hand it back through a ``Settlement`` when the call ended."""

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


class Admission:
    """A request for room to call ``server``, sent to Redis on creation.

    ``slot`` reads the verdict: it waits while the rate or concurrency limit is reached (up to
    the connect timeout) and refuses at once while the circuit is open, raising
    ``Es2TransportError(sent=False)``: the request was not sent, so retrying is safe.
    ``withdraw`` is for a call that will not be made after all.
    """

    def __init__(self, server: SmdpServer) -> None:
        self.server = server
        self.token = uuid.uuid4().hex
        self._deadline = time.monotonic() + max(server.connect_timeout, 0.1)
        self._failure: RedisError | None = None
        self._reply: _Reply | None = None
        try:
            self._reply = self._send()
        except RedisError as exc:
            self._failure = exc

    def _send(self) -> _Reply:
        server = self.server
        cb, probe, conc = _keys(server.pk)
        self._sent_at = time.time()
        rate_key = f"coreesim:es2:{server.pk}:rate:{int(self._sent_at)}"
        scripts = _registered()
        return _Reply(
            scripts.redis,
            scripts.admit,
            [cb, probe, rate_key, conc],
            [
                self._sent_at,
                server.circuit_failure_threshold,
                server.circuit_reset_seconds,
                server.rate_limit_per_second,
                max(server.max_concurrency, 1),
                self.token,
                _lease_seconds(server),
            ],
        )

    def _verdict(self) -> int:
        if self._failure is not None:
            raise self._failure
        reply, self._reply = self._reply, None
        if reply is None:
            raise RuntimeError("the admission was already read")
        verdict, _probe = reply.read()
        return int(verdict)

    def slot(self) -> Slot:
        server = self.server
        try:
            verdict = self._verdict()
            while verdict != ADMITTED:
                if verdict == CIRCUIT_OPEN:
                    raise Es2TransportError(
                        TransportFailure.CIRCUIT_OPEN,
                        f"the circuit breaker for {server.name} is open after repeated "
                        "transport failures; the call was not sent",
                        sent=False,
                    )
                if time.monotonic() >= self._deadline:
                    what = "rate limit" if verdict == RATE_LIMITED else "concurrency limit"
                    raise Es2TransportError(
                        TransportFailure.BUSY,
                        f"the {what} for {server.name} stayed reached; the call was not sent",
                        sent=False,
                    )
                pause = (1.0 - (self._sent_at % 1.0)) if verdict == RATE_LIMITED else POLL_SECONDS
                time.sleep(min(pause, max(self._deadline - time.monotonic(), 0.0)) + 0.001)
                self._reply = self._send()
                verdict = self._verdict()
        except RedisError as exc:
            _unavailable(server, exc)
            return Slot(server.pk, None)
        return Slot(server.pk, self.token)

    def withdraw(self) -> None:
        """Give back a slot granted to a call that will not be made; the breaker is unchanged."""
        try:
            if self._reply is None or self._verdict() != ADMITTED:
                return
            _send_settle(self.server, self.token, "unused").read()
        except RedisError as exc:
            _unavailable(self.server, exc)


class Settlement:
    """Hands a slot back and feeds the breaker: only transport failures count against a server.

    ``send`` as soon as the call's fate is known, ``finish`` once the Es2Call row is completed.
    A settlement finished without ``send`` counts as a transport failure (the call ended in
    something unexpected).
    """

    def __init__(self, server: SmdpServer, slot: Slot) -> None:
        self.server, self.slot = server, slot
        self._sent = False
        self._reply: _Reply | None = None

    def send(self, *, transport_failed: bool) -> None:
        token = self.slot.token
        if self._sent or token is None:
            return
        self._sent = True
        try:
            self._reply = _send_settle(self.server, token, "failed" if transport_failed else "ok")
        except RedisError as exc:
            _unavailable(self.server, exc)

    def finish(self) -> None:
        self.send(transport_failed=True)
        reply, self._reply = self._reply, None
        if reply is None:
            return
        try:
            reply.read()
        except RedisError as exc:
            _unavailable(self.server, exc)


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
