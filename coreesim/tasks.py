"""The default behaviour of every Celery task, and the worker heartbeat.

Transient failures are retried with exponential backoff and jitter; business failures are not.
"""

from __future__ import annotations

from datetime import datetime

from celery import Task, shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "coreesim:worker-heartbeat:{queue}"


class TransientError(Exception):
    """A failure that may succeed if tried again later (network, timeouts, a busy peer).

    Raise it (or a subclass) from a task body to get an automatic retry with exponential
    backoff and jitter; any other exception fails the task at once, because retrying a business
    refusal only repeats it.
    """


class ResilientTask(Task):
    """Base class for our tasks: ``@shared_task(base=ResilientTask, bind=True)``."""

    autoretry_for = (TransientError,)
    retry_backoff = 2
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 12
    acks_late = True
    reject_on_worker_lost = True


@shared_task(name="coreesim.heartbeat", ignore_result=True)
def heartbeat(queue: str) -> str:
    """Record that the worker serving ``queue`` took a task off the broker just now.

    Beat sends one to every queue in ``WORKER_QUEUES`` every 30 s, routed to that queue, so only
    a worker consuming it can run it; ``/readyz`` reports each queue's age, and a worker that
    died (say the webhooks one, while provisioning goes on) shows by name.
    """
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY.format(queue=queue), now, timeout=None)
    return now


def last_heartbeat(queue: str) -> datetime | None:
    """When a worker last ran ``heartbeat`` for ``queue``; None if never (or Redis was emptied)."""
    value = cache.get(HEARTBEAT_CACHE_KEY.format(queue=queue))
    return datetime.fromisoformat(value) if value else None
