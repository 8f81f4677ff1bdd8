from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import override_settings
from django.utils import timezone

from coreesim.tasks import HEARTBEAT_CACHE_KEY


def test_healthz_answers_ok_without_touching_dependencies(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_dependency_green(client):
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
def test_readyz_shows_when_a_worker_last_ran_the_heartbeat(client):
    cache.set(HEARTBEAT_CACHE_KEY, (timezone.now() - timedelta(seconds=5)).isoformat())

    worker = client.get("/readyz").json()["worker"]

    assert worker["status"] == "ok"
    assert 4 <= worker["age_seconds"] < 60


@pytest.mark.django_db
def test_readyz_calls_an_old_heartbeat_stale_without_failing_readiness(client):
    cache.set(HEARTBEAT_CACHE_KEY, (timezone.now() - timedelta(minutes=10)).isoformat())

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["worker"]["status"] == "stale"


@pytest.mark.django_db
def test_readyz_says_unknown_when_no_worker_has_ever_run(client):
    cache.delete(HEARTBEAT_CACHE_KEY)

    worker = client.get("/readyz").json()["worker"]

    assert worker == {"status": "unknown", "last_heartbeat": None}
