from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import override_settings
from django.utils import timezone

from coreesim.tasks import HEARTBEAT_CACHE_KEY


def beat_seen(queue: str, ago: timedelta) -> None:
    cache.set(HEARTBEAT_CACHE_KEY.format(queue=queue), (timezone.now() - ago).isoformat())


def test_healthz_answers_ok_without_touching_dependencies(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_dependency_green(client):
    beat_seen("celery", timedelta(seconds=5))
    beat_seen("webhooks", timedelta(seconds=5))

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "redis", "broker"}


@pytest.mark.django_db
def test_readyz_answers_503_and_names_redis_when_redis_is_down(client):
    unreachable = "redis://127.0.0.1:1/0"
    with override_settings(REDIS_URL=unreachable, CELERY_BROKER_URL=unreachable):
        response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["status"] == "fail"
    assert checks["broker"]["status"] == "fail"
    assert checks["database"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_answers_503_and_names_migrations_when_one_is_not_applied(client):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'smdp_client' AND name = '0001_initial'"
        )

    response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["migrations"]["status"] == "fail"
    assert "not applied" in checks["migrations"]["error"]
    assert checks["database"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_answers_503_and_names_the_database_when_it_is_unreachable(client):
    broken = {**connection.settings_dict, "PORT": "1", "HOST": "127.0.0.1"}
    conn = connections.create_connection(DEFAULT_DB_ALIAS)
    conn.settings_dict = broken
    original = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = conn
    try:
        response = client.get("/readyz")
    finally:
        connections[DEFAULT_DB_ALIAS] = original
        conn.close()

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "fail"
    assert checks["redis"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_shows_when_each_queue_worker_last_ran_the_heartbeat(client):
    beat_seen("celery", timedelta(seconds=5))
    beat_seen("webhooks", timedelta(seconds=20))

    response = client.get("/readyz")

    assert response.status_code == 200
    workers = response.json()["workers"]
    assert set(workers) == {"celery", "webhooks"}
    assert workers["celery"]["status"] == "ok"
    assert 4 <= workers["celery"]["age_seconds"] < 19
    assert workers["webhooks"]["status"] == "ok"
    assert 19 <= workers["webhooks"]["age_seconds"] < 60


@pytest.mark.django_db
def test_readyz_names_a_queue_whose_worker_went_quiet_without_failing(client):
    """Informative: the web can take orders without a worker; alerting is for the operator."""
    beat_seen("celery", timedelta(seconds=5))
    beat_seen("webhooks", timedelta(minutes=10))

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["workers"]["webhooks"]["status"] == "stale"
    assert body["workers"]["celery"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_calls_a_heartbeat_stale_after_three_beat_intervals(client):
    beat_seen("celery", timedelta(seconds=3 * settings.WORKER_HEARTBEAT_SECONDS - 5))
    beat_seen("webhooks", timedelta(seconds=3 * settings.WORKER_HEARTBEAT_SECONDS + 5))

    workers = client.get("/readyz").json()["workers"]

    assert workers["celery"]["status"] == "ok"
    assert workers["webhooks"]["status"] == "stale"


@pytest.mark.django_db
def test_readyz_says_unknown_for_a_queue_no_worker_has_ever_served_without_failing(client):
    beat_seen("celery", timedelta(seconds=5))
    cache.delete(HEARTBEAT_CACHE_KEY.format(queue="webhooks"))

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["workers"]["webhooks"] == {"status": "unknown", "last_heartbeat": None}
