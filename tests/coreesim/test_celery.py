"""The Celery app's contract, and real tasks run by a real worker through the Redis broker."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from coreesim.celery import app as celery_app
from coreesim.logging import RedactSecretsFilter
from coreesim.tasks import HEARTBEAT_CACHE_KEY, ResilientTask, TransientError, heartbeat


class PaymentRefused(Exception):
    """A business refusal: trying again would only repeat it."""


@celery_app.task(base=ResilientTask, bind=True, name="tests.coreesim.flaky_peer")
def flaky_peer(self, key: str, failures: int) -> None:
    """Fails with a transient error ``failures`` times, then succeeds."""
    attempt = cache.incr(f"{key}:attempts")
    if attempt <= failures:
        raise TransientError(f"peer busy (attempt {attempt})")
    cache.set(f"{key}:done", self.request.retries)


@celery_app.task(base=ResilientTask, bind=True, name="tests.coreesim.refusing_peer")
def refusing_peer(self, key: str) -> None:
    cache.incr(f"{key}:attempts")
    raise PaymentRefused("card declined")


def wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_only_json_crosses_the_broker():
    assert celery_app.conf.task_serializer == "json"
    assert celery_app.conf.accept_content == ["json"]
    assert celery_app.conf.result_serializer == "json"


def test_a_task_is_acknowledged_only_after_it_ran_and_one_at_a_time():
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_prefetch_multiplier == 1


def test_every_task_has_a_soft_and_a_hard_time_limit():
    assert 0 < celery_app.conf.task_soft_time_limit < celery_app.conf.task_time_limit


def test_the_broker_is_the_configured_redis():
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_beat_sends_a_heartbeat_to_every_worker_queue_on_a_schedule_written_in_code():
    schedule = celery_app.conf.beat_schedule
    entries = [schedule[f"worker-heartbeat-{queue}"] for queue in settings.WORKER_QUEUES]

    assert settings.WORKER_QUEUES == ("celery", "webhooks")
    for queue, entry in zip(settings.WORKER_QUEUES, entries, strict=True):
        assert entry["task"] == heartbeat.name
        assert entry["args"] == (queue,)
        assert entry["options"]["queue"] == queue
        assert entry["schedule"] > 0


def test_resilient_tasks_retry_transient_errors_with_backoff_and_jitter():
    assert TransientError in ResilientTask.autoretry_for
    assert ResilientTask.retry_backoff
    assert ResilientTask.retry_jitter is True
    assert ResilientTask.max_retries > 0


@pytest.mark.worker
def test_each_queue_heartbeat_runs_on_a_real_worker_and_readyz_reports_both(celery_worker, client):
    keys = [HEARTBEAT_CACHE_KEY.format(queue=queue) for queue in settings.WORKER_QUEUES]
    cache.delete_many(keys)
    before = timezone.now()

    for queue in settings.WORKER_QUEUES:
        entry = celery_app.conf.beat_schedule[f"worker-heartbeat-{queue}"]
        celery_app.send_task(entry["task"], args=entry["args"], **entry["options"])

    assert wait_until(lambda: all(cache.get(key) is not None for key in keys))
    response = client.get("/readyz")
    assert response.status_code == 200
    for worker in response.json()["workers"].values():
        assert worker["status"] == "ok"
        assert worker["last_heartbeat"] >= before.isoformat()


@pytest.mark.worker
def test_a_transient_error_is_retried_until_the_task_succeeds(celery_worker):
    key = f"test:{uuid.uuid4()}"
    cache.set(f"{key}:attempts", 0)

    flaky_peer.delay(key, failures=2)

    assert wait_until(lambda: cache.get(f"{key}:done") is not None)
    assert cache.get(f"{key}:attempts") == 3
    assert cache.get(f"{key}:done") == 2


@pytest.mark.worker
def test_a_business_error_is_not_retried(celery_worker):
    key = f"test:{uuid.uuid4()}"
    cache.set(f"{key}:attempts", 0)
    probe = f"test:{uuid.uuid4()}"
    cache.set(f"{probe}:attempts", 0)

    refusing_peer.delay(key)
    flaky_peer.delay(probe, failures=0)  # queued behind it: when it is done, the first ran

    assert wait_until(lambda: cache.get(f"{probe}:done") is not None)
    assert cache.get(f"{key}:attempts") == 1


def test_worker_logging_set_up_keeps_our_redacting_handlers():
    logging.getLogger().handlers = []
    type(celery_app.log)._setup = False

    celery_app.log.setup(loglevel="INFO")  # what `celery worker` and `celery beat` call

    filters = [f for handler in logging.getLogger().handlers for f in handler.filters]
    assert any(isinstance(f, RedactSecretsFilter) for f in filters)
