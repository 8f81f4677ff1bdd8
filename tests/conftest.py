"""Fixtures shared by every suite: a real Celery worker on the real broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker

from coreesim.celery import app as celery_app


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[object]:
    """A worker thread consuming from the configured Redis broker.

    Needs ``transactional_db`` because the worker reads what the test committed through its
    own database connection.
    """
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
        yield w
