"""ES2+ benchmarks: client overhead per call, and notification intake rate under gunicorn.

Run from the project root with the database migrated:

    .venv/bin/python bench/es2plus.py [--calls 1000] [--notifications 3000] [--workers 4]

1. Client overhead: the built-in simulator runs as its own process (``run_smdp_simulator``).
   The same ES2+ call (releaseProfile of an unknown ICCID, answered 8.2.1/3.9 without any
   state change) is made N times through a bare keep-alive httpx client ("raw round trip") and
   N times through ``Es2Client`` (argument checks, Es2Call row before and after, Redis guard,
   strict answer parsing, classification, structured log line), in interleaved blocks. The
   overhead is the difference of the medians. Target: under 2 ms per call.
2. Notification intake: gunicorn serves the project; client threads POST distinct valid
   notifications with the shared-secret header; every one must get 204 (authenticated,
   validated, stored, enqueued for the worker). Target: at least 500 per second on 2 cores.
   When ``wrk`` is installed the same intake is also driven by it for 10 s (a C load
   generator leaves the CPUs to the server being measured).

Results are printed and appended to docs/benchmarks.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coreesim.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.db import connection  # noqa: E402

from coreesim.celery import app as celery_app  # noqa: E402
from smdp_client.client import Es2Client  # noqa: E402
from smdp_client.errors import Es2FunctionError  # noqa: E402
from smdp_client.models import Es2Call, Es2Notification, SmdpServer  # noqa: E402

UNKNOWN_ICCID = "89000000000000000001"
PATH = "/gsma/rsp2/es2plus/releaseProfile"
HEADERS = {
    "Content-Type": "application/json;charset=UTF-8",
    "X-Admin-Protocol": "gsma/rsp/v2.5.0",
    "Accept": "application/json",
}
NOTIFY_PATH = "/gsma/rsp2/es2plus/handleDownloadProgressInfo"
BENCH_SECRET = "bench-secret-" + uuid.uuid4().hex


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def start(command: list[str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_port(port)
    return process


def vacuum(model: type[Es2Call] | type[Es2Notification]) -> None:
    """Start from a vacuumed table: each run deletes what it wrote, and the dead rows and index
    entries a previous run left would otherwise slow this one's writes (autovacuum keeps a
    production table in this state)."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_client(calls: int, block: int = 50) -> dict[str, float]:
    port = free_port()
    simulator = start(
        [sys.executable, "manage.py", "run_smdp_simulator", "--port", str(port), "--no-device"],
        port,
    )
    server, _ = SmdpServer.objects.update_or_create(
        name="bench-simulator",
        defaults={
            "base_url": f"http://127.0.0.1:{port}",
            "smdp_address": "smdp.bench.test",
            "requester_id": "coreesim-bench",
            "allow_plain_http": True,
            "rate_limit_per_second": 0,
            "max_concurrency": 8,
        },
    )
    vacuum(Es2Call)
    raw_times: list[float] = []
    client_times: list[float] = []
    cpu = {"raw": 0.0, "client": 0.0}
    es2 = Es2Client(server)
    try:
        with httpx.Client(base_url=server.base_url, timeout=10, trust_env=False) as raw:

            def raw_call() -> None:
                body = {
                    "header": {
                        "functionRequesterIdentifier": "coreesim-bench",
                        "functionCallIdentifier": str(uuid.uuid4()),
                    },
                    "iccid": UNKNOWN_ICCID,
                }
                response = raw.post(PATH, content=json.dumps(body).encode(), headers=HEADERS)
                response.json()

            def client_call() -> None:
                with contextlib.suppress(Es2FunctionError):
                    es2.release_profile(iccid=UNKNOWN_ICCID)

            for warm in (raw_call, client_call):
                for _ in range(50):
                    warm()
            for _ in range(calls // block):
                for name, timed, sink in (
                    ("raw", raw_call, raw_times),
                    ("client", client_call, client_times),
                ):
                    cpu_started = time.process_time()
                    for _ in range(block):
                        started = time.perf_counter()
                        timed()
                        sink.append((time.perf_counter() - started) * 1000.0)
                    cpu[name] += time.process_time() - cpu_started
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
        Es2Call.objects.filter(server=server).delete()
    raw_median, client_median = statistics.median(raw_times), statistics.median(client_times)
    return {
        "calls": len(client_times),
        "raw_median_ms": raw_median,
        "raw_p95_ms": percentile(raw_times, 0.95),
        "client_median_ms": client_median,
        "client_p95_ms": percentile(client_times, 0.95),
        "overhead_ms": client_median - raw_median,
        "cpu_overhead_ms": (cpu["client"] - cpu["raw"]) * 1000.0 / len(client_times),
    }


def notification(iccid_n: int) -> bytes:
    return json.dumps(
        {
            "header": {
                "functionRequesterIdentifier": "bench-smdp",
                "functionCallIdentifier": str(uuid.uuid4()),
            },
            "iccid": f"8900000000{iccid_n:010d}",
            "profileType": "SIM-DATA",
            "timestamp": "2026-11-24T10:00:00Z",
            "notificationPointId": 3,
            "notificationPointStatus": {"status": "Executed-Success"},
            "eid": "89049032000000000000000000000001",
        }
    ).encode()


def start_intake_server(workers: int) -> tuple[SmdpServer, int, subprocess.Popen[bytes]]:
    """The notifying SM-DP+ record and a gunicorn serving the intake endpoint."""
    server, _ = SmdpServer.objects.update_or_create(
        name="bench-notifier",
        defaults={
            "base_url": "http://127.0.0.1:9",
            "smdp_address": "smdp.bench.test",
            "requester_id": "coreesim-bench",
            "allow_plain_http": True,
            "inbound_secret": BENCH_SECRET,
        },
    )
    port = free_port()
    gunicorn = start(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "coreesim.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        port,
    )
    return server, port, gunicorn


def bench_intake(total: int, workers: int, threads: int) -> dict[str, float]:
    vacuum(Es2Notification)
    server, port, gunicorn = start_intake_server(workers)
    bodies = [notification(n) for n in range(total)]
    statuses: list[int] = []
    lock = threading.Lock()
    url = f"http://127.0.0.1:{port}{NOTIFY_PATH}"
    headers = {**HEADERS, "X-CoreESIM-Secret": BENCH_SECRET}

    def sender(chunk: list[bytes]) -> None:
        # http.client is much lighter than httpx: the generator shares the CPUs it measures.
        local = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for body in chunk:
            connection.request("POST", NOTIFY_PATH, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            local.append(response.status)
        connection.close()
        with lock:
            statuses.extend(local)

    try:
        with httpx.Client(timeout=30, trust_env=False) as client:
            for body in (notification(total + n) for n in range(4 * workers)):
                client.post(url, content=body, headers=headers)
        chunks = [bodies[i::threads] for i in range(threads)]
        pool = [threading.Thread(target=sender, args=(chunk,)) for chunk in chunks]
        started = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=15)
        celery_app.control.purge()
        Es2Notification.objects.filter(server=server).delete()
    accepted = sum(1 for status in statuses if status == 204)
    return {
        "notifications": total,
        "accepted_204": accepted,
        "seconds": elapsed,
        "per_second": accepted / elapsed,
        "gunicorn_workers": workers,
        "client_threads": threads,
    }


WRK_SCRIPT = """
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json;charset=UTF-8"
wrk.headers["X-Admin-Protocol"] = "gsma/rsp/v2.5.0"
wrk.headers["X-CoreESIM-Secret"] = "%(secret)s"
function request()
  counter = counter + 1
  local id = string.format("%(run)s-%%d-%%d", tid, counter)
  local body = '{"header":{"functionRequesterIdentifier":"bench-smdp",' ..
    '"functionCallIdentifier":"' .. id .. '"},"iccid":"89000000000000000001",' ..
    '"profileType":"SIM-DATA","timestamp":"2026-11-24T10:00:00Z","notificationPointId":3,' ..
    '"notificationPointStatus":{"status":"Executed-Success"},' ..
    '"eid":"89049032000000000000000000000001"}'
  return wrk.format(nil, "%(path)s", nil, body)
end
"""


def bench_intake_wrk(seconds: int, workers: int, connections: int) -> dict[str, float] | None:
    """The same intake driven by ``wrk`` (C, far lighter than a Python load generator)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    vacuum(Es2Notification)
    server, port, gunicorn = start_intake_server(workers)
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        WRK_SCRIPT % {"secret": BENCH_SECRET, "run": uuid.uuid4().hex, "path": NOTIFY_PATH}
    )
    try:
        output = subprocess.run(
            [
                wrk,
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        script.unlink()
        gunicorn.terminate()
        gunicorn.wait(timeout=15)
        celery_app.control.purge()
    stored = Es2Notification.objects.filter(server=server).count()
    Es2Notification.objects.filter(server=server).delete()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "per_second": rate,
        "stored": stored,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "connections": connections,
        "gunicorn_workers": workers,
        "seconds": seconds,
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{platform.node()}, {os.cpu_count()} CPU ({cpu}), Python {platform.python_version()}, "
        f"load average before the run {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--notifications", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--no-write", action="store_true", help="do not append to the docs")
    args = parser.parse_args()

    where = machine()
    client = bench_client(args.calls)
    print(json.dumps({"client": client}, indent=2))
    intake = bench_intake(args.notifications, args.workers, args.threads)
    print(json.dumps({"intake": intake}, indent=2))
    intake_wrk = bench_intake_wrk(10, args.workers, 16)
    print(json.dumps({"intake_wrk": intake_wrk}, indent=2))
    verdict_client = "met" if client["overhead_ms"] < 2.0 else "NOT met"
    verdict_intake = "met" if intake["per_second"] >= 500 else "NOT met"
    rows = [
        (
            "raw HTTP round trip to the simulator, median / p95",
            f"{client['raw_median_ms']:.2f} ms / {client['raw_p95_ms']:.2f} ms",
        ),
        (
            "`Es2Client` call, median / p95",
            f"{client['client_median_ms']:.2f} ms / {client['client_p95_ms']:.2f} ms",
        ),
        (
            f"**client overhead per call** (median difference, {client['calls']} calls)",
            f"**{client['overhead_ms']:.2f} ms** (target < 2 ms: {verdict_client})",
        ),
        (
            "client CPU per call above raw (this process only: no waits)",
            f"{client['cpu_overhead_ms']:.2f} ms",
        ),
        (
            f"**notification intake** (gunicorn, {intake['gunicorn_workers']} workers, "
            f"{intake['client_threads']} client threads, "
            f"{intake['accepted_204']}/{intake['notifications']} answered 204)",
            f"**{intake['per_second']:.0f} / s** (target ≥ 500 / s: {verdict_intake})",
        ),
    ]
    if intake_wrk is not None:
        verdict_wrk = "met" if intake_wrk["per_second"] >= 500 else "NOT met"
        rows.append(
            (
                f"**notification intake driven by wrk** (gunicorn, {intake_wrk['gunicorn_workers']}"
                f" workers, {intake_wrk['connections']} connections, {intake_wrk['seconds']} s, "
                f"{intake_wrk['stored']} stored, {intake_wrk['non_2xx']} non-2xx)",
                f"**{intake_wrk['per_second']:.0f} / s** (target ≥ 500 / s: {verdict_wrk})",
            )
        )
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"\n## ES2+ (`bench/es2plus.py`) — {stamp}\n\nMachine: {where}.\n\n"
        f"| measure | value |\n|---|---|\n{table}\n\n"
        "The load generators, PostgreSQL, Redis and the simulator share the machine with "
        "whatever else runs on it (see the load average): numbers vary with it. The Es2Call "
        "rows commit without waiting for the WAL flush; each notification waits for it "
        "(durable before the 204).\n"
    )
    if not args.no_write:
        docs = BASE_DIR / "docs" / "benchmarks.md"
        if not docs.exists():
            docs.write_text("# Benchmarks\n\nNumbers appended by the scripts in `bench/`.\n")
        with docs.open("a") as handle:
            handle.write(section)
    print(section)


if __name__ == "__main__":
    main()
