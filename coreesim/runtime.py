"""Where the database and Redis live when the environment does not say.

Shared by the settings module and the embedded-server launcher so that both agree on one
address without either importing the other.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
RUN_DIR = VAR_DIR / "run"

EMBEDDED_PG_PORT = int(os.environ.get("EMBEDDED_PG_PORT", "55432"))
EMBEDDED_REDIS_PORT = int(os.environ.get("EMBEDDED_REDIS_PORT", "56379"))
WEB_PORT = int(os.environ.get("WEB_PORT", "8000"))
SMDP_SIM_PORT = int(os.environ.get("SMDP_SIM_PORT", "8701"))

CI_DATABASE_URL = "postgres://root@127.0.0.1:5432/coreesim"
CI_REDIS_URL = "redis://127.0.0.1:6379/0"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def default_database_url() -> str:
    """CI uses the machine's PostgreSQL; everyone else the embedded one under var/pg."""
    if running_in_ci():
        return CI_DATABASE_URL
    return f"postgres://postgres@127.0.0.1:{EMBEDDED_PG_PORT}/coreesim"


def default_redis_url() -> str:
    if running_in_ci():
        return CI_REDIS_URL
    return f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"
