"""Keeping ``PoolStateCount`` small: folding its delta rows into one row per pool and state.

The triggers append a row per statement that changes profiles; summing them stays exact
however many there are, but each row costs the readers a little. Folding deletes the rows
it can see and writes their sums back in one statement: rows of transactions still open are
invisible to it and stay as they are, and a row another fold deleted first is skipped (its
``RETURNING`` does not return it), so the sums never change. An advisory lock only saves two
concurrent folds from doing the work twice.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction

logger = logging.getLogger(__name__)

FOLD_LOCK = 0x70726F66  # pg_try_advisory_xact_lock key of the fold ("prof")

FOLD_SQL = """
WITH gone AS (
    DELETE FROM profiles_poolstatecount
    WHERE (pool_id, state) IN (
        SELECT pool_id, state FROM profiles_poolstatecount
        GROUP BY pool_id, state HAVING count(*) > 1 OR sum(delta) = 0
    )
    RETURNING pool_id, state, delta
), kept AS (
    INSERT INTO profiles_poolstatecount (pool_id, state, delta)
    SELECT pool_id, state, sum(delta) FROM gone GROUP BY pool_id, state HAVING sum(delta) <> 0
    RETURNING 1
)
SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM kept)
"""


@transaction.atomic
def pool_state_counts_fold() -> int | None:
    """Fold the count rows; how many rows fewer there are, or ``None`` when a fold was running."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FOLD_LOCK])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(FOLD_SQL)
        folded = int(cursor.fetchone()[0])
    logger.info("pool_state_counts_folded", extra={"rows": folded})
    return folded
