"""What `make run` does around its processes: leftovers of a killed run, a busy port, twice."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coreesim import devrun, embedded

BASE_DIR = Path(__file__).resolve().parents[2]
SLEEPER = "import time; time.sleep(120)"


def spawn_orphan(*argv: str, with_child: bool = False) -> int:
    """Start ``argv`` in its own session, detached from us like a killed run's processes.

    With ``with_child`` the process starts a child in its own group (a pool worker).
    """
    body = SLEEPER
    if with_child:
        body = (
            "import subprocess, sys, time; "
            f"subprocess.Popen([sys.executable, '-c', {SLEEPER!r}]); time.sleep(120)"
        )
    launcher = (
        "import subprocess, sys; "
        f"p = subprocess.Popen([sys.executable, '-c', {body!r}, *sys.argv[1:]], "
        "start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL); print(p.pid)"
    )
    out = subprocess.run(
        [sys.executable, "-c", launcher, *argv],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return int(out.stdout)


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid and devrun._alive(int(entry.name)):
                    members.append(int(entry.name))
            except ProcessLookupError:
                continue
    return members


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not devrun._alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def run_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(devrun, "RUN_DIR", tmp_path)
    monkeypatch.setattr(devrun, "SUPERVISOR_PIDFILE", tmp_path / "devrun.pid")
    monkeypatch.setattr(devrun, "HONCHO_PIDFILE", tmp_path / "honcho.pid")
    return tmp_path


@pytest.fixture
def orphans():
    started: list[int] = []
    yield started
    for pid in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def test_a_killed_runs_process_group_is_stopped_with_its_children(run_dir, orphans):
    pid = spawn_orphan("celery", "worker", with_child=True)
    orphans.append(pid)
    deadline = time.monotonic() + 10
    while len(group_members(pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(group_members(pid)) == 2
    (run_dir / "worker.pid").write_text(str(pid))

    stopped = devrun.stop_recorded_processes()

    assert stopped == [f"worker (pid {pid})"]
    assert wait_gone(pid)
    deadline = time.monotonic() + 10
    while group_members(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_members(pid) == []
    assert not (run_dir / "worker.pid").exists()


def test_a_pid_that_now_belongs_to_another_program_is_left_alone(run_dir, orphans):
    pid = spawn_orphan("unrelated-program")
    orphans.append(pid)
    (run_dir / "web.pid").write_text(str(pid))

    stopped = devrun.stop_recorded_processes()

    assert stopped == []
    assert devrun._alive(pid)
    assert not (run_dir / "web.pid").exists()


def test_a_stale_pidfile_of_a_dead_process_is_removed(run_dir):
    (run_dir / "beat.pid").write_text("999999999")

    assert devrun.stop_recorded_processes() == []
    assert not (run_dir / "beat.pid").exists()


def test_a_second_run_is_refused_while_the_first_is_alive(run_dir, orphans):
    pid = spawn_orphan("-m", "coreesim.devrun")
    orphans.append(pid)
    (run_dir / "devrun.pid").write_text(str(pid))

    with pytest.raises(
        devrun.RunError, match=f"already running from this checkout \\(pid {pid}\\)"
    ):
        devrun.reap_leftovers()


@pytest.mark.parametrize("variable", ["WEB_PORT", "SMDP_SIM_PORT"])
def test_a_busy_port_is_refused_naming_the_variable_that_moves_it(variable):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        with pytest.raises(devrun.RunError, match=f"set {variable} to a free port"):
            devrun.ensure_port_free(port, variable)


def test_a_free_port_passes_the_check():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    devrun.ensure_port_free(port, "WEB_PORT")


def test_a_stale_redis_pidfile_never_signals_an_unrelated_process(tmp_path, monkeypatch, orphans):
    pid = spawn_orphan("not-redis")
    orphans.append(pid)
    pidfile = tmp_path / "redis.pid"
    pidfile.write_text(str(pid))
    monkeypatch.setattr(embedded, "REDIS_PIDFILE", pidfile)

    embedded.redis_down()

    assert devrun._alive(pid)
    assert not pidfile.exists()


@pytest.mark.parametrize(
    ("variable", "url", "what"),
    [
        ("DATABASE_URL", "postgres://root@127.0.0.1:1/coreesim", "PostgreSQL"),
        ("REDIS_URL", "redis://127.0.0.1:1/0", "Redis"),
    ],
)
def test_ci_fails_loudly_when_a_server_is_unreachable(variable, url, what):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "CI": "true",
        variable: url,
    }

    result = subprocess.run(
        [sys.executable, "-m", "coreesim.embedded", "up"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert f"{what} is not reachable at 127.0.0.1:1 ({variable}={url})" in result.stderr


def test_a_foreign_server_on_the_embedded_port_is_named_not_a_traceback():
    with socket.socket() as foreign:
        foreign.bind(("127.0.0.1", 0))
        foreign.listen()
        port = foreign.getsockname()[1]
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "EMBEDDED_PG_PORT": str(port),
        }

        result = subprocess.run(
            [sys.executable, "-m", "coreesim.embedded", "up"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode == 1
    assert f"something answers on 127.0.0.1:{port}" in result.stderr
    assert "EMBEDDED_PG_PORT" in result.stderr
    assert "Traceback" not in result.stderr
