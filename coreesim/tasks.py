"""The default behaviour of every Celery task: retry transient failures, never business ones."""

from __future__ import annotations

from celery import Task


class TransientError(Exception):
    """A failure that may succeed if tried again later (network, timeouts, a busy peer).

    Raise it (or a subclass) from a task body to get an automatic retry with exponential
    backoff and jitter; any other exception fails the task at once, because retrying a business
    refusal only repeats it.
    """


class ResilientTask(Task):
    """Base class for our tasks: ``@app.task(base=ResilientTask, bind=True)``."""

    autoretry_for = (TransientError,)
    retry_backoff = 2
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 12
    acks_late = True
    reject_on_worker_lost = True
