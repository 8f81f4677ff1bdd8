"""Fixtures shared by every suite: a real Celery worker on the real broker, a superuser's
verified session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from coreesim.celery import app as celery_app
from tests.factories.staff import verified_client


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[object]:
    """A worker thread consuming from the configured Redis broker: both queues, the default one
    and the webhooks one, which `make run` serves with two separate workers.

    Needs ``transactional_db`` because the worker reads what the test committed through its
    own database connection.
    """
    celery_app.control.purge()
    with start_worker(
        celery_app,
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=30,
        queues=[settings.CELERY_TASK_DEFAULT_QUEUE, settings.WEBHOOK_QUEUE],
    ) as w:
        yield w


@pytest.fixture
def superuser_client(db: None) -> Client:
    """A superuser whose session passed the second factor the staff site and admin require."""
    user = get_user_model().objects.create_superuser("root-admin", "root@example.test", "pw")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return verified_client(user)
