"""The default behaviour of every Celery task, and the worker heartbeat.

Transient failures are retried with exponential backoff and jitter; business failures are not.
"""

from __future__ import annotations

from datetime import datetime

from celery import Task, shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "coreesim:worker-heartbeat"


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
def heartbeat() -> str:
    """Record that a worker took a task off the broker just now (beat sends one every 30 s).

    ``/readyz`` reports the age of the last beat, so "the web answers but nothing is being
    provisioned" (worker or beat down) is visible at a glance.
    """
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=None)
    return now


def last_heartbeat() -> datetime | None:
    """When a worker last ran ``heartbeat``; None if never (or the cache was flushed)."""
    value = cache.get(HEARTBEAT_CACHE_KEY)
    return datetime.fromisoformat(value) if value else None
