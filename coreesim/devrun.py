"""What `make run` does: embedded servers up, migrate, demo data, banner, then every process.

Run as ``python -m coreesim.devrun``. It supervises honcho (the Procfile) and, however it ends
(Ctrl-C, SIGTERM, a process that died), stops honcho's processes and this checkout's embedded
PostgreSQL and Redis, so nothing is left running.

A previous run that was killed with ``kill -9`` leaves its children behind (honcho starts each
one in its own session). Every Procfile process writes a pidfile under ``var/run/``; the next
run stops whatever those name before it starts, after checking that the pid still belongs to a
process of ours and not to an unrelated one that reused the number.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from coreesim import embedded
from coreesim.runtime import BASE_DIR, RUN_DIR, SMDP_SIM_PORT, WEB_PORT

SUPERVISOR_PIDFILE = RUN_DIR / "devrun.pid"
HONCHO_PIDFILE = RUN_DIR / "honcho.pid"
PYTHON = sys.executable
STOP_GRACE_SECONDS = 10.0


class RunError(RuntimeError):
    """`make run` cannot start; the message says what to do."""


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _ours(pid: int) -> bool:
    """A pid from one of our pidfiles still names one of our processes (not a reused pid)."""
    cmdline = _cmdline(pid)
    return bool(cmdline) and any(
        marker in cmdline
        for marker in ("gunicorn", "celery", "honcho", "manage.py", "coreesim.devrun")
    )


def _stop(pid: int, *, whole_group: bool) -> None:
    """SIGTERM ``pid`` (or its whole process group), then SIGKILL it after a grace period.

    Honcho starts each Procfile line as ``sh -c`` in a new session, so the group holds the
    shell, the master (gunicorn, celery) and its pool workers, and nothing else. Our own group
    (the terminal's make) is never signalled as a group.
    """

    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            group = os.getpgid(pid)
            if whole_group and group not in (0, 1, os.getpgid(0)):
                os.killpg(group, sig)
            else:
                os.kill(pid, sig)

    send(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        send(signal.SIGKILL)


def stop_recorded_processes() -> list[str]:
    """Stop every live process named by a pidfile under var/run/; returns what was stopped.

    Honcho goes first (it then stops its own children); each Procfile process leads its own
    process group, so the group is stopped with it (gunicorn and celery pool workers included).
    """
    stopped = []
    pidfiles = sorted(RUN_DIR.glob("*.pid"), key=lambda f: f != HONCHO_PIDFILE)
    for pidfile in pidfiles:
        if pidfile == SUPERVISOR_PIDFILE:
            continue
        pid = _read_pid(pidfile)
        if pid and pid != os.getpid() and _alive(pid) and _ours(pid):
            _stop(pid, whole_group=pidfile != HONCHO_PIDFILE)
            stopped.append(f"{pidfile.stem} (pid {pid})")
        pidfile.unlink(missing_ok=True)
    return stopped


def reap_leftovers() -> list[str]:
    """Refuse to run twice; stop what a killed previous run left behind."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    supervisor = _read_pid(SUPERVISOR_PIDFILE)
    if supervisor and supervisor != os.getpid() and _alive(supervisor) and _ours(supervisor):
        raise RunError(
            f"`make run` is already running from this checkout (pid {supervisor}). "
            "Stop it with Ctrl-C in its terminal first."
        )
    return stop_recorded_processes()


def ensure_port_free(port: int, variable: str = "WEB_PORT") -> None:
    """Refuse to start when another program holds a port we are about to listen on.

    Checked before anything starts, so the message names the variable to change instead of
    a gunicorn or simulator crash scrolling past in honcho's output.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise RunError(
                f"port {port} on 127.0.0.1 is in use by another program; stop it or set "
                f"{variable} to a free port (e.g. {variable}={port + 10} make run)."
            ) from exc


def _say(line: str) -> None:
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


class Supervisor:
    """Runs honcho and turns SIGINT/SIGTERM/SIGHUP into one orderly shutdown."""

    def __init__(self) -> None:
        self.honcho: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Ctrl-C reaches honcho directly (same process group); other signals are passed on.
        self.stopping = True
        if self.honcho and self.honcho.poll() is None and signum != signal.SIGINT:
            with contextlib.suppress(ProcessLookupError):
                self.honcho.send_signal(signal.SIGTERM)

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    def run_honcho(self) -> int:
        self.honcho = subprocess.Popen(
            [str(Path(PYTHON).parent / "honcho"), "--procfile", "Procfile", "start"],
            cwd=BASE_DIR,
        )
        HONCHO_PIDFILE.write_text(str(self.honcho.pid))
        return self.honcho.wait()


def main() -> int:
    supervisor = Supervisor()
    supervisor.install()
    try:
        stopped = reap_leftovers()
        if stopped:
            _say(f"stopped leftovers of a previous run: {', '.join(stopped)}")
        ensure_port_free(WEB_PORT, "WEB_PORT")
        ensure_port_free(SMDP_SIM_PORT, "SMDP_SIM_PORT")
        SUPERVISOR_PIDFILE.write_text(str(os.getpid()))
    except RunError as exc:
        sys.stderr.write(f"\n*** {exc}\n\n")
        return 1
    code = 1
    try:
        embedded.up()
        _manage("prepare_run")  # migrate, demo data, banner
        if not supervisor.stopping:
            code = supervisor.run_honcho()
    except embedded.ServiceError as exc:
        sys.stderr.write(f"\n*** {exc}\n\n")
    except subprocess.CalledProcessError as exc:
        code = exc.returncode or 1
        if not supervisor.stopping:
            sys.stderr.write(f"\n*** `{' '.join(map(str, exc.cmd))}` failed\n\n")
    finally:
        stop_recorded_processes()
        embedded.down_managed()
        SUPERVISOR_PIDFILE.unlink(missing_ok=True)
        _say("CoreESIM stopped; no process of this run is left.")
    # Stopped on request (Ctrl-C, SIGTERM) is a normal end, not a failure.
    return 0 if supervisor.stopping else code


if __name__ == "__main__":
    sys.exit(main())
