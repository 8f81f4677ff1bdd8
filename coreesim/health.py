"""Liveness and readiness probes.

``/healthz`` answers while the process can serve a request at all; ``/readyz`` checks every
dependency the product needs and names the ones that failed, so an orchestrator (and a human)
knows why traffic should not come here yet. It also shows, for each Celery queue
(``WORKER_QUEUES``), when its worker last ran the beat heartbeat, so a dead webhooks worker
cannot hide behind a live default one. That part is informative, not a readiness check: the
web can take orders without a worker, and an orchestrator taking every web process out of
rotation because a worker died would turn a partial outage into a whole one. Alert on it
instead. A queue never heard from since Redis started is ``unknown``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from coreesim.tasks import last_heartbeat


def check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_migrations() -> str:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    loader = executor.loader
    pending = {migration for migration, _ in executor.migration_plan(loader.graph.leaf_nodes())}
    # A gap below an applied leaf (e.g. a deleted row in django_migrations) is not in the plan.
    pending |= {loader.graph.nodes[key] for key in loader.graph.nodes} - {
        loader.graph.nodes[key] for key in loader.applied_migrations if key in loader.graph.nodes
    }
    if pending:
        raise RuntimeError(f"{len(pending)} migration(s) not applied")
    return "ok"


def _ping_redis(url: str) -> str:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_redis() -> str:
    return _ping_redis(settings.REDIS_URL)


def check_broker() -> str:
    return _ping_redis(settings.CELERY_BROKER_URL)


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "migrations": check_migrations,
    "redis": check_redis,
    "broker": check_broker,
}


def worker_heartbeat(queue: str) -> dict[str, object]:
    """``ok`` if ``queue``'s worker ran the heartbeat within three beat intervals, else ``stale``.

    Three intervals, so one late or expired beat (a busy worker) is not yet an alarm.
    """
    try:
        seen = last_heartbeat(queue)
    except Exception as exc:  # Redis down: already reported by the redis check
        return {"status": "unknown", "error": f"{type(exc).__name__}: {exc}"[:300]}
    if seen is None:
        return {"status": "unknown", "last_heartbeat": None}
    age = (timezone.now() - seen).total_seconds()
    fresh = age <= 3 * settings.WORKER_HEARTBEAT_SECONDS
    return {
        "status": "ok" if fresh else "stale",
        "last_heartbeat": seen.isoformat(),
        "age_seconds": round(age, 1),
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            results[name] = {"status": check()}
        except Exception as exc:  # any failure means "not ready", reported by name
            results[name] = {"status": "fail", "error": f"{type(exc).__name__}: {exc}"[:300]}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    workers = {queue: worker_heartbeat(queue) for queue in settings.WORKER_QUEUES}
    ready = all(r["status"] == "ok" for r in results.values())
    body = {"status": "ok" if ready else "fail", "checks": results, "workers": workers}
    return JsonResponse(body, status=200 if ready else 503)
