"""Benchmark order intake throughput and order → activation code latency (issue 6).

Intake: ``wrk`` on loopback against gunicorn (4 workers) serving two minimal views from this
module: one calls ``order_place`` (quantity 1; the whole transaction: idempotency lock, plan
and access checks, price, SKIP LOCKED reservation with ProfileEvents, Order, ledger debit,
Esim, outbox row, and the Celery doorbell after commit), the other is the **floor**: only the
same ``SKIP LOCKED`` update of one profile plus one insert. Target: intake ≥ 50 % of the floor.

Latency: orders placed one after another in this process; a real Celery worker (subprocess)
runs DownloadOrder + ConfirmOrder against the built-in simulator (in process, real HTTP) at 0 ms
and 50 ms of SM-DP+ latency; the clock stops when the eSIM's activation code is stored.
Target: p50 ≤ 100 ms + 2 x the SM-DP+ latency.

Use a scratch database (it is migrated and filled with bench stock):

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench_orders REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/orders.py [--duration 10] [--connections 32] [--orders 60]

Needs ``wrk`` (Debian package ``wrk``).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coreesim.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

BENCH_PARTNER = "bench-orders-partner"
INTAKE_PLAN = "bench-orders-intake"
LATENCY_PLAN = "bench-orders-latency"
FLOOR_POOL = "bench-orders-floor"
STOCK = 40_000
PARTNERS = 8


# --- the two views gunicorn serves (ROOT_URLCONF = "bench.orders") ------------------------------


_partners: list[Any] = []


@csrf_exempt
def intake_view(request: HttpRequest) -> HttpResponse:
    """``/intake?partners=N``: each order from one of the first N bench partners, at random."""
    from orders.errors import OutOfStock
    from orders.services import order_place
    from partners.models import Partner

    if not _partners:
        _partners.extend(
            Partner.objects.filter(slug__startswith=f"{BENCH_PARTNER}-").order_by("slug")
        )
    spread = int(request.GET.get("partners", "1"))
    partner = random.choice(_partners[:spread])
    try:
        order = order_place(
            partner=partner, plan_code=INTAKE_PLAN, quantity=1, idempotency_key=uuid.uuid4().hex
        )
    except OutOfStock:
        return JsonResponse({"error": "out_of_stock"}, status=409)
    return JsonResponse({"order": order.pk}, status=201)


@csrf_exempt
def floor_view(request: HttpRequest) -> HttpResponse:
    from django.db import connection, transaction

    from profiles.models import ProfilePool

    pool_id = ProfilePool.objects.values_list("pk", flat=True).get(name=FLOOR_POOL)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE profiles_profile SET state = 'reserved' WHERE id = ("
            " SELECT id FROM profiles_profile WHERE state = 'available' AND pool_id = %s"
            " ORDER BY pool_id, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id",
            [pool_id],
        )
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"error": "out_of_stock"}, status=409)
        cursor.execute("INSERT INTO bench_orders_floor (profile_id) VALUES (%s)", [row[0]])
    return JsonResponse({"profile": row[0]}, status=201)


urlpatterns = [path("intake", intake_view), path("floor", floor_view)]


def _wsgi_application() -> Any:
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = "bench.orders"
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


application = _wsgi_application() if os.environ.get("BENCH_ORDERS_WSGI") else None


# --- set-up ------------------------------------------------------------------------------------


def _luhn(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def _stock_pool(name: str, server: Any, plan: Any | None, count: int, prefix: str) -> Any:
    from profiles.choices import ProfileState
    from profiles.models import Profile, ProfilePool

    pool, _ = ProfilePool.objects.get_or_create(
        name=name, defaults={"smdp_server": server, "profile_type": "SIM-DATA"}
    )
    pool.smdp_server = server
    pool.save()
    if plan is not None:
        pool.plans.add(plan)
    Profile.objects.filter(pool=pool).exclude(state=ProfileState.AVAILABLE).delete()
    have = Profile.objects.filter(pool=pool).count()
    start = int(time.time() * 1000) % 10_000_000 * 1000
    Profile.objects.bulk_create(
        (
            Profile(pool=pool, iccid=_luhn(f"{prefix}{start + n:011d}"))
            for n in range(max(0, count - have))
        ),
        batch_size=5000,
    )
    return pool


def setup(stock: int) -> None:
    """Migrate and (re)fill the bench stock; previous bench orders are removed."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from orders.models import Esim, EsimReissue, Order, ProvisioningJob
    from partners.choices import LedgerKind
    from partners.models import Partner
    from partners.services import ledger_credit, partner_create, plan_access_grant
    from profiles.models import Country, Plan
    from smdp_client.models import SmdpServer

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_orders_floor"
            " (id bigserial PRIMARY KEY, profile_id bigint NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute("TRUNCATE bench_orders_floor")
    ProvisioningJob.objects.all().delete()
    EsimReissue.objects.all().delete()
    Esim.objects.all().delete()
    Order.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE profiles_profileevent DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM profiles_profileevent")
        cursor.execute("ALTER TABLE profiles_profileevent ENABLE TRIGGER USER")
        cursor.execute("ALTER TABLE partners_ledgerentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM partners_ledgerentry")
        cursor.execute("ALTER TABLE partners_ledgerentry ENABLE TRIGGER USER")

    server, _ = SmdpServer.objects.get_or_create(
        name="bench-orders-sim",
        defaults={
            "base_url": "http://127.0.0.1:9",
            "smdp_address": "smdp.bench.test",
            "requester_id": "coreesim-bench",
            "allow_plain_http": True,
            "inbound_secret": "bench",
            "rate_limit_per_second": 10_000,
            "max_concurrency": 64,
        },
    )
    country, _ = Country.objects.get_or_create(
        iso2="ZZ", defaults={"iso3": "ZZZ", "name": "Benchland"}
    )
    plans = []
    for code in (INTAKE_PLAN, LATENCY_PLAN):
        plan, _ = Plan.objects.get_or_create(
            code=code,
            defaults={
                "name": code,
                "country": country,
                "data_mb": 1024,
                "validity_days": 7,
                "wholesale_cost": Decimal("1.00"),
                "retail_price": Decimal("2.00"),
            },
        )
        plans.append(plan)
    for n in range(PARTNERS):
        slug = f"{BENCH_PARTNER}-{n}"
        partner = Partner.objects.filter(slug=slug).first() or partner_create(
            name=f"Bench orders {n}", slug=slug, currency="USD"
        )
        plan_access_grant(partner=partner, plans=plans)
        ledger_credit(partner=partner, amount=Decimal("100000000"), kind=LedgerKind.TOPUP)
    from profiles.models import Profile

    Profile.objects.exclude(state="available").filter(pool__name__startswith="bench-").delete()
    _stock_pool("bench-orders-intake", server, plans[0], stock, "8999001")
    _stock_pool("bench-orders-latency", server, plans[1], 500, "8999002")
    _stock_pool(FLOOR_POOL, server, None, stock, "8999003")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE profiles_profile")


# --- intake ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def _wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    script.write(
        'wrk.method = "POST"\n'
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("STATUS %d %d\\n", summary.requests, summary.errors.status))\n'
        "end\n"
    )
    script.close()
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            script.name,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests, non_2xx = (int(x) for x in re.search(r"STATUS (\d+) (\d+)", out).groups())  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(\w+)", out)
    return {"rps": rps, "requests": requests, "non_2xx": non_2xx, "p50": _ms(p50)}


def _ms(match: re.Match[str] | None) -> float:
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}.get(unit, 1.0)


def bench_intake(duration: int, connections: int) -> dict[str, dict[str, float]]:
    port = _free_port()
    env = {**os.environ, "BENCH_ORDERS_WSGI": "1", "LOG_LEVEL": "WARNING"}
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bench.orders:application",
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT),
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,
    )
    try:
        _wait_port(port)
        results = {}
        for name, path in (
            ("floor", "floor"),
            ("intake", "intake"),
            ("intake_spread", f"intake?partners={PARTNERS}"),
        ):
            _wrk(f"http://127.0.0.1:{port}/{path}", 2, connections)  # warm-up
            results[name] = _wrk(f"http://127.0.0.1:{port}/{path}", duration, connections)
        return results
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)


# --- latency -----------------------------------------------------------------------------------


def bench_latency(orders: int, latency_ms: int) -> dict[str, float]:
    import django

    django.setup()
    from coreesim.celery import app as celery_app
    from orders.choices import EsimStatus
    from orders.models import Esim
    from orders.services import order_place
    from partners.models import Partner
    from smdp_client.models import SmdpServer
    from smdp_client.simulator.server import Simulator, SimulatorConfig

    sim = Simulator(
        SimulatorConfig(seed=1, requester_id="coreesim-bench", latency_ms=latency_ms)
    ).start()
    SmdpServer.objects.filter(name="bench-orders-sim").update(base_url=sim.url)
    celery_app.control.purge()
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "coreesim",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "4",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        start_new_session=True,
    )
    partner = Partner.objects.get(slug=f"{BENCH_PARTNER}-0")
    samples: list[float] = []
    try:
        warmup = 5
        for n in range(orders + warmup):
            started = time.perf_counter()
            order = order_place(
                partner=partner,
                plan_code=LATENCY_PLAN,
                quantity=1,
                idempotency_key=f"lat-{latency_ms}-{uuid.uuid4().hex}",
            )
            deadline = started + 60
            while not Esim.objects.filter(order=order, status=EsimStatus.RELEASED).exists():
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"order {order.pk} got no activation code in 60 s")
                time.sleep(0.002)
            if n >= warmup:
                samples.append((time.perf_counter() - started) * 1000)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        sim.stop()
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[int(0.95 * (len(samples) - 1))],
        "n": len(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--stock", type=int, default=STOCK)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    setup(args.stock)
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    intake = bench_intake(args.duration, args.connections)
    floor, real = intake["floor"], intake["intake"]
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores")
    print(
        f"floor  (SKIP LOCKED update + 1 insert): {floor['rps']:.0f} req/s, "
        f"p50 {floor['p50']:.1f} ms, non-2xx {floor['non_2xx']}"
    )
    print(
        f"intake (order_place, quantity 1):      {real['rps']:.0f} orders/s, "
        f"p50 {real['p50']:.1f} ms, non-2xx {real['non_2xx']}"
    )
    spread = intake["intake_spread"]
    print(
        f"intake, orders spread over {PARTNERS} partners: {spread['rps']:.0f} orders/s, "
        f"p50 {spread['p50']:.1f} ms, non-2xx {spread['non_2xx']}"
    )
    print(
        f"intake / floor: one partner {real['rps'] / floor['rps']:.0%}, "
        f"{PARTNERS} partners {spread['rps'] / floor['rps']:.0%} (target >= 50%)"
    )
    print(f"load average before the latency runs: {os.getloadavg()[0]:.1f}")
    for latency_ms in (0, 50):
        result = bench_latency(args.orders, latency_ms)
        target = 100 + 2 * latency_ms
        print(
            f"order -> activation code, SM-DP+ latency {latency_ms} ms: "
            f"p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms over {result['n']} orders "
            f"(target p50 <= {target} ms)"
        )


if __name__ == "__main__":
    main()
