"""Every write in the profiles app (HackSoft-style services, one per business action)."""

from profiles.services.catalogue import catalogue_load, plan_upsert, pool_create
from profiles.services.imports import (
    ImportRefused,
    ImportStarted,
    import_queue,
    import_run,
    pool_import,
)
from profiles.services.stock import pool_state_counts_fold
from profiles.services.transitions import profile_reserve_available, profile_transition

__all__ = [
    "ImportRefused",
    "ImportStarted",
    "catalogue_load",
    "import_queue",
    "import_run",
    "plan_upsert",
    "pool_create",
    "pool_import",
    "pool_state_counts_fold",
    "profile_reserve_available",
    "profile_transition",
]
