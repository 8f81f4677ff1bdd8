"""Uploads no worker is running go back to a worker: nothing staff uploaded is lost."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from profiles.choices import ImportStatus
from profiles.models import ProfileImport, ProfilePool
from profiles.selectors import imports_unattended
from profiles.services.imports import import_queue
from profiles.staff.progress import upload_dir
from profiles.staff.tasks import RESUME_AFTER, staff_pool_imports_resume
from tests.factories.profiles import ProfilePoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool() -> ProfilePool:
    return ProfilePoolFactory()


def _import(pool: ProfilePool, path: Path, status: ImportStatus, age: timedelta) -> int:
    record = import_queue(pool=pool, path=path)
    at = timezone.now() - age
    ProfileImport.objects.filter(pk=record.pk).update(
        status=status, created_at=at, started_at=at if status != ImportStatus.PENDING else None
    )
    return record.pk


def test_old_queued_and_old_running_uploads_are_unattended(pool: ProfilePool) -> None:
    upload = upload_dir() / "upload.csv"
    old, new = RESUME_AFTER + timedelta(minutes=1), timedelta(seconds=30)
    lost_task = _import(pool, upload, ImportStatus.PENDING, old)
    dead_worker = _import(pool, upload, ImportStatus.RUNNING, old)
    _import(pool, upload, ImportStatus.PENDING, new)
    _import(pool, upload, ImportStatus.RUNNING, new)
    _import(pool, upload, ImportStatus.SUCCEEDED, old)
    _import(pool, Path("/srv/cli/profiles.csv"), ImportStatus.RUNNING, old)

    unattended = imports_unattended(
        files_under=str(upload_dir()), idle_since=timezone.now() - RESUME_AFTER
    )

    assert unattended == [lost_task, dead_worker]


def test_the_sweep_hands_each_unattended_upload_to_a_worker(pool: ProfilePool) -> None:
    _import(pool, upload_dir() / "a.csv", ImportStatus.PENDING, RESUME_AFTER * 2)

    assert staff_pool_imports_resume() == 1
