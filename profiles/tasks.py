"""Periodic upkeep of the inventory (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from profiles.services import pool_state_counts_fold


@shared_task(name="profiles.fold_state_counts", ignore_result=True)
def fold_state_counts() -> None:
    """Keeps the stock counters one row per pool and state; they are exact without it."""
    pool_state_counts_fold()
