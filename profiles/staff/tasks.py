"""The worker side of a staff import: run the queued ``ProfileImport`` on the stored upload."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from coreesim.staff.dashboard import forget
from profiles.models import ProfileImport
from profiles.selectors import imports_unattended
from profiles.services.imports import ImportRefused, ImportStarted, import_run
from profiles.staff.dashboard import STOCK_CACHE
from profiles.staff.progress import upload_dir
from profiles.staff.uploads import upload_discard

logger = logging.getLogger(__name__)

# How long an upload may wait for a worker, or run, before it is handed to a worker again.
RESUME_AFTER = timedelta(minutes=5)


# A million-line file takes far longer than the default task time limit.
@shared_task(
    name="staff.pool_import",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=1800,
    time_limit=1900,
)
def staff_pool_import(*, import_id: int) -> None:
    """A refused file is an outcome (kept on the ProfileImport row), not a task failure; so
    is a second delivery of the same task (the import runs once). Once the import has
    finished, the stored upload (plain-text PIN/PUK) is deleted."""
    record = ProfileImport.objects.select_related("pool").filter(pk=import_id).first()
    if record is None:
        logger.warning("staff_import_missing", extra={"import_id": import_id})
        return
    try:
        import_run(record=record)
    except ImportRefused as refused:
        logger.info("staff_import_refused", extra={"import_id": import_id, "errors": refused.count})
    except ImportStarted:
        logger.warning("staff_import_already_started", extra={"import_id": import_id})
    finally:
        upload_discard(import_id=import_id)
        forget(STOCK_CACHE)


@shared_task(name="staff.pool_imports_resume", ignore_result=True)
def staff_pool_imports_resume() -> int:
    """Nothing uploaded is lost: an upload whose task the broker lost, or whose worker died
    mid-import (the import rolled back), is handed to a worker again."""
    ids = imports_unattended(
        files_under=str(upload_dir()), idle_since=timezone.now() - RESUME_AFTER
    )
    for import_id in ids:
        staff_pool_import.apply_async(kwargs={"import_id": import_id})
    if ids:
        logger.info("staff_imports_resumed", extra={"import_ids": ids})
    return len(ids)
