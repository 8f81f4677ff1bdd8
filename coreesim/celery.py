"""The Celery app. Redis is only the doorbell: every job that matters is also a database row."""

from __future__ import annotations

import os
from logging.config import dictConfig
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coreesim.settings")

app = Celery("coreesim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    """Workers and beat log like the web: our formatters and the secret-redacting filter.

    Without a receiver here Celery replaces the root logger's handlers with its own plain ones,
    and worker logs (where activation codes pass through) would skip redaction.
    """
    from django.conf import settings

    dictConfig(settings.LOGGING)


@signals.worker_ready.connect
def announce_worker(sender: Any, **kwargs: Any) -> None:
    """Beat's first heartbeat comes one interval after start; these make /readyz green now.

    One per queue this worker consumes, sent to that queue: the webhooks worker vouches for the
    webhooks queue only.
    """
    for queue in sender.task_consumer.queues:
        sender.app.send_task("coreesim.heartbeat", args=(queue.name,), queue=queue.name)
