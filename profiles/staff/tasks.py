"""The worker side of a staff import: run ``pool_import`` on the stored upload."""

from __future__ import annotations

import logging

from celery import shared_task

from coreesim.staff.dashboard import forget
from profiles.models import ProfilePool
from profiles.services.imports import ImportRefused, pool_import
from profiles.staff.dashboard import STOCK_CACHE
from profiles.staff.progress import failed_store, phase_store, upload_path

logger = logging.getLogger(__name__)


# A million-line file takes far longer than the default task time limit.
@shared_task(
    name="staff.pool_import",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=1800,
    time_limit=1900,
)
def staff_pool_import(*, pool_id: int, token: str, skip_invalid: bool, actor: str) -> None:
    """A refused file is an outcome (kept on the ProfileImport row), not a task failure."""
    pool = ProfilePool.objects.filter(pk=pool_id).first()
    if pool is None:
        failed_store(token, "the pool no longer exists")
        return
    try:
        pool_import(
            pool=pool,
            path=upload_path(token),
            skip_invalid=skip_invalid,
            actor=actor,
            progress=lambda phase, done, total: phase_store(token, phase, done, total),
        )
    except ImportRefused as refused:
        logger.info("staff_import_refused", extra={"token": token, "errors": refused.count})
    finally:
        forget(STOCK_CACHE)
