"""Benchmark ``pool_import`` against a plain ``COPY`` of the same file.

Generates N valid rows (default 1,000,000: ICCID, IMSI, PIN1, PUK1), times a bare ``COPY``
of the file into an unindexed table, then ``pool_import`` of the same file into a fresh
pool, and prints rows/s for both and the ratio. Between the two it times a COPY into a table
with profiles_profile's columns and nothing else (the cost of the wider rows alone), and one
into a table shaped like profiles_profile (same indexes, no checks): the floor for anything
that ends in that table.
With the N profiles in place it times the stock list (``pool_stock_list``, read from the
per-pool counts) against counting the profiles per pool, the way it was done before, and
an import of the same file again (refused: every line is already in the inventory).
Everything it creates is removed again.

    DATABASE_URL=postgres://… .venv/bin/python bench/import_profiles.py [--rows N]
        [--columns iccid,imsi,pin1,puk1]

Target (issue 4): pool_import ≥ 50 % of raw COPY, and 1M rows in under 20 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coreesim.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from profiles.iccid import luhn_check_digit  # noqa: E402
from profiles.models import Profile, ProfileImport, ProfilePool  # noqa: E402
from profiles.selectors import pool_stock_list  # noqa: E402
from profiles.services.imports import ImportRefused, pool_import  # noqa: E402
from smdp_client.models import SmdpServer  # noqa: E402

ISSUER = "8999001"  # a range no fixture or demo data uses


def generate(path: Path, rows: int, columns: list[str]) -> None:
    makers = {
        "iccid": lambda i: (lambda b: b + luhn_check_digit(b))(f"{ISSUER}{i:011d}"),
        "imsi": lambda i: f"99901{i:010d}",
        "pin1": lambda i: f"{i % 10000:04d}",
        "puk1": lambda i: f"{(i * 7919) % 100_000_000:08d}",
        "pin2": lambda i: f"{(i + 17) % 10000:04d}",
        "puk2": lambda i: f"{(i * 104729) % 100_000_000:08d}",
    }
    with path.open("w") as out:
        out.write(",".join(c.upper() for c in columns) + "\n")
        for i in range(rows):
            out.write(",".join(makers[c](i) for c in columns) + "\n")


def _timed_copy(path: Path, columns: list[str], table: str) -> float:
    """Seconds for one committed ``COPY`` of the file into ``table``, which is dropped after."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as handle:
        handle.readline()
        with cursor.cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return elapsed


def raw_copy(path: Path, columns: list[str]) -> float:
    """A plain COPY of the same file into a bare (logged, unindexed) table, committed."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute(f"CREATE TABLE bench_raw_copy ({', '.join(f'{c} text' for c in columns)})")
    return _timed_copy(path, columns, "bench_raw_copy")


def heap_copy(path: Path, columns: list[str]) -> float:
    """A plain COPY of the file into a table with profiles_profile's columns but no index and
    no constraint: what the wider rows alone cost, before any index or check."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_heap_copy")
        cursor.execute(
            "CREATE TABLE bench_heap_copy (LIKE profiles_profile INCLUDING DEFAULTS "
            "INCLUDING IDENTITY)"
        )
        cursor.execute(
            "ALTER TABLE bench_heap_copy ALTER pool_id SET DEFAULT 0, "
            "ALTER state SET DEFAULT 'available', ALTER eid SET DEFAULT '', "
            "ALTER created_at SET DEFAULT now()"
        )
    return _timed_copy(path, columns, "bench_heap_copy")


def shaped_copy(path: Path, columns: list[str]) -> float:
    """COPY of the same file into a table shaped like ``profiles_profile`` (same columns,
    defaults and indexes, no foreign keys): the floor for anything that ends in that table."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_shaped_copy")
        cursor.execute("CREATE TABLE bench_shaped_copy (LIKE profiles_profile INCLUDING ALL)")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as handle:
        handle.readline()
        cursor.execute(
            "CREATE TEMP TABLE bench_in (" + ", ".join(f"{c} text" for c in columns) + ") "
            "ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            f"COPY bench_in ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        cursor.execute(
            f"INSERT INTO bench_shaped_copy ({', '.join(columns)}, pool_id, state, eid, "
            f"created_at) SELECT {', '.join(columns)}, 0, 'available', '', now() FROM bench_in"
        )
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_shaped_copy")
    return elapsed


COUNT_ALL = """
SELECT p.id, count(f.id) FILTER (WHERE f.state = 'available'),
       count(f.id) FILTER (WHERE f.reserved_at >= now() - interval '7 days'
                           AND f.state NOT IN ('available', 'cancelled'))
FROM profiles_profilepool AS p LEFT JOIN profiles_profile AS f ON f.pool_id = p.id
GROUP BY p.id
"""


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def stock_list_timing(pool: ProfilePool, rows: int) -> None:
    """The stock list with the imported profiles in place, and counting them instead."""
    listed = {p.pk: s.available for p, s in pool_stock_list()}
    assert listed[pool.pk] == rows, listed[pool.pk]

    def count_all() -> None:
        with connection.cursor() as cursor:
            cursor.execute(COUNT_ALL)
            cursor.fetchall()

    print(
        f"stock list of {len(listed)} pools: {best_of(5, pool_stock_list) * 1000:.1f} ms "
        f"(counting the {Profile.objects.count():,} profiles instead: "
        f"{best_of(3, count_all) * 1000:.0f} ms)"
    )


CPU_PARTS = ("database backend", "worker processes", "this process")


def cpu_seconds() -> tuple[float, float, float]:
    """CPU time of this connection's server backend (read from /proc: the database runs on
    this machine), of finished child processes, and of this process."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return (
        (int(stat[11]) + int(stat[12])) / tick,
        children.ru_utime + children.ru_stime,
        own.ru_utime + own.ru_stime,
    )


def refused_timing(pool: ProfilePool, path: Path) -> None:
    """The same file again: the fast pass meets a repeat, the checked pass names them all."""
    started = time.perf_counter()
    try:
        pool_import(pool=pool, path=path, actor="bench")
    except ImportRefused as refused:
        print(
            f"the same file again (refused, {refused.count:,} problems): "
            f"{time.perf_counter() - started:.2f} s"
        )
    else:
        raise AssertionError("a file already in the inventory was imported again")


def cleanup() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM profiles_profile WHERE pool_id IN "
            "(SELECT id FROM profiles_profilepool WHERE name = 'bench-import')"
        )
    ProfileImport.objects.filter(pool__name="bench-import").delete()
    ProfilePool.objects.filter(name="bench-import").delete()
    # A million deleted rows would otherwise slow the next run's inserts (dead index entries).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE profiles_profile")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", default="iccid,imsi,pin1,puk1")
    args = parser.parse_args()
    columns = [c.strip().lower() for c in args.columns.split(",")]

    cleanup()
    load_at_start = os.getloadavg()[0]
    server, _ = SmdpServer.objects.get_or_create(
        name="bench-smdp",
        defaults={
            "base_url": "http://127.0.0.1:8701",
            "smdp_address": "smdp.bench.test",
            "requester_id": "bench",
            "allow_plain_http": True,
        },
    )
    pool = ProfilePool.objects.create(name="bench-import", smdp_server=server, profile_type="X")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profiles.csv"
        started = time.perf_counter()
        generate(path, args.rows, columns)
        size_mb = path.stat().st_size / 1e6
        print(
            f"generated {args.rows:,} rows ({size_mb:.1f} MB) in "
            f"{time.perf_counter() - started:.1f} s; columns {', '.join(columns)}"
        )
        copy_s = raw_copy(path, columns)
        print(f"raw COPY:     {copy_s:6.2f} s  {args.rows / copy_s:>12,.0f} rows/s")
        heap_s = heap_copy(path, columns)
        print(
            f"COPY into profiles_profile's columns (no index, no constraint): "
            f"{heap_s:6.2f} s  {args.rows / heap_s:>12,.0f} rows/s "
            f"({copy_s / heap_s:.0%} of raw COPY speed)"
        )
        shaped_s = shaped_copy(path, columns)
        print(
            f"COPY into a profiles-shaped table (indexes, no checks, no encryption): "
            f"{shaped_s:6.2f} s  {args.rows / shaped_s:>12,.0f} rows/s"
        )
        phases: dict[str, float] = {}
        cpu_before = cpu_seconds()
        started = time.perf_counter()

        def progress(phase: str, done: int, total: int) -> None:
            phases[phase] = time.perf_counter() - started

        record = pool_import(pool=pool, path=path, actor="bench", progress=progress)
        import_s = time.perf_counter() - started
        print(
            "  CPU used (s): "
            + ", ".join(
                f"{name} {after - before:.2f}"
                for name, before, after in zip(CPU_PARTS, cpu_before, cpu_seconds(), strict=True)
            )
        )
        print(
            "  phases (s since start, at end of each):",
            ", ".join(f"{name} {at:.2f}" for name, at in phases.items()),
        )
        assert record.imported == args.rows, record.errors[:3]
        print(f"pool_import:  {import_s:6.2f} s  {args.rows / import_s:>12,.0f} rows/s")
        load_now = os.getloadavg()[0]
        print(f"load average (1 min) at the start: {load_at_start:.2f}, now {load_now:.2f}")
        print(f"pool_import vs profiles-shaped COPY: {shaped_s / import_s:.0%}")
        print(
            f"ratio: {copy_s / import_s:.0%} of raw COPY speed "
            f"(target ≥ 50 %); under 20 s: {'yes' if import_s < 20 else 'no'}"
        )
        stock_list_timing(pool, args.rows)
        refused_timing(pool, path)
    cleanup()


if __name__ == "__main__":
    main()
