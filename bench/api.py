"""Benchmark the partner API's two hottest reads with 1,000,000 profiles in the database.

Measures ``GET /api/v1/esims/{iccid}`` and ``GET /api/v1/esims`` (first page and a deep page
reached by cursor) through the whole Django stack in process: middleware, Bearer key lookup,
Redis rate limit, the query, serialisation. No network, so the numbers are server time.

The data set is created once in the database named by ``DATABASE_URL`` (use a scratch one) and
reused by later runs: 1,000,000 profiles, two partners with ``--esims`` sold eSIMs each (the
other partner's rows make isolation filter real work).

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench_api .venv/bin/python bench/api.py \\
        [--esims 100000] [--requests 1000]

Target (issue 7): p95 < 50 ms for both on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coreesim.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from orders.models import Esim, Order  # noqa: E402
from partners.choices import ApiScope  # noqa: E402
from partners.models import Partner  # noqa: E402
from partners.services import api_key_create, partner_create, plan_access_grant  # noqa: E402
from profiles.models import Country, Plan, Profile, ProfilePool  # noqa: E402
from smdp_client.models import SmdpServer  # noqa: E402

PROFILES = 1_000_000
SAMPLE_WITH_CODES = 2_000


def _literal(field: models.Field) -> Any:
    if field.null:
        return None
    if field.has_default():
        return field.get_default()
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    return ""


def bulk_sql(
    model: type[models.Model], count: int, start: int, expressions: dict[str, str]
) -> None:
    """INSERT ``count`` rows with ``generate_series`` as ``n``; other columns get their default.

    ``expressions`` maps a column to a SQL expression of ``n``. Fast enough for millions of
    rows and independent of the model's exact column list.
    """
    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.column in expressions:
            values.append(expressions[field.column])
        else:
            values.append("%s")
            value = _literal(field)
            params.append(field.get_db_prep_value(value, connection) if value is not None else None)
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(values)} FROM generate_series(%s, %s) AS n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, start, start + count - 1])


def build(esims_per_partner: int) -> None:
    print(f"building: {PROFILES:,} profiles, 2 partners x {esims_per_partner:,} eSIMs ...")
    started = time.perf_counter()
    country, _ = Country.objects.get_or_create(iso2="ZZ", defaults={"iso3": "ZZZ", "name": "Z"})
    plan, _ = Plan.objects.get_or_create(
        code="bench-plan",
        defaults={
            "name": "Bench",
            "country": country,
            "data_mb": 1024,
            "validity_days": 30,
            "wholesale_cost": 1,
            "retail_price": 5,
        },
    )
    server, _ = SmdpServer.objects.get_or_create(
        name="bench-smdp",
        defaults={"base_url": "https://smdp.bench.test", "smdp_address": "smdp.bench.test"},
    )
    pool, _ = ProfilePool.objects.get_or_create(
        name="bench-pool", defaults={"smdp_server": server, "profile_type": "BENCH"}
    )
    pool.plans.add(plan)
    sold = 2 * esims_per_partner
    bulk_sql(
        Profile,
        PROFILES,
        1,
        {
            "iccid": "'8999' || lpad(n::text, 15, '0')",
            "pool_id": str(pool.pk),
            "state": f"CASE WHEN n <= {sold} THEN 'released' ELSE 'available' END",
            "created_at": "now()",
        },
    )
    for index in range(2):
        partner = partner_create(name=f"Bench {index}", slug=f"bench-{index}", currency="USD")
        plan_access_grant(partner=partner, plans=[plan])
        first = index * esims_per_partner + 1
        bulk_sql(
            Order,
            esims_per_partner,
            first,
            {
                "partner_id": str(partner.pk),
                "plan_id": str(plan.pk),
                "quantity": "1",
                "status": "'completed'",
                "currency": "'USD'",
                "unit_price": "5",
                "total_price": "5",
                "idempotency_key": "'bench-' || n",
                "created_at": "now() - (n || ' seconds')::interval",
            },
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) FROM orders_order WHERE partner_id = %s", [partner.pk])
            (first_order,) = cursor.fetchone()
        offset = first_order - first
        bulk_sql(
            Esim,
            esims_per_partner,
            first,
            {
                "order_id": f"n + {offset}",
                "partner_id": str(partner.pk),
                "profile_id": "(SELECT id FROM profiles_profile WHERE iccid = "
                "'8999' || lpad(n::text, 15, '0'))",
                "iccid": "'8999' || lpad(n::text, 15, '0')",
                "status": "'released'",
                "smdp_address": "'smdp.bench.test'",
                "data_mb": "1024",
                "validity_days": "30",
                "created_at": "now() - (n || ' seconds')::interval",
                "updated_at": "now()",
            },
        )
    bench = Partner.objects.get(slug="bench-0")
    sample = Esim.objects.filter(partner=bench).order_by("?")[:SAMPLE_WITH_CODES]
    for esim in sample:
        esim.activation_code = f"LPA:1$smdp.bench.test$BENCH-{esim.iccid}"
        esim.save(update_fields=["activation_code"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built in {time.perf_counter() - started:.0f} s")


def measure(client: Client, urls: list[str], headers: dict[str, str]) -> dict[str, float]:
    for url in urls[:20]:
        client.get(url, headers=headers)
    timings = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:200])
    timings.sort()
    return {
        "n": len(timings),
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "p99": timings[int(len(timings) * 0.99) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--esims", type=int, default=100_000, help="sold eSIMs per partner")
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not Partner.objects.filter(slug="bench-0").exists():
        build(args.esims)
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000_000
    settings.ALLOWED_HOSTS = ["testserver"]
    partner = Partner.objects.get(slug="bench-0")
    _, key = api_key_create(partner=partner, scopes=[ApiScope.READ], name="bench")
    headers = {"Authorization": f"Bearer {key}"}
    client = Client()

    with_codes = list(
        Esim.objects.filter(order__partner=partner, activation_code__isnull=False).values_list(
            "iccid", flat=True
        )
    )
    random.seed(7)
    detail_urls = [f"/api/v1/esims/{random.choice(with_codes)}" for _ in range(args.requests)]
    first_page = ["/api/v1/esims?limit=50"] * (args.requests // 2)
    deep = client.get("/api/v1/esims?limit=200", headers=headers).json()
    for _ in range(20):
        deep = client.get(deep["next"], headers=headers).json()
    deep_page = [deep["next"].split("testserver", 1)[1]] * (args.requests // 2)

    newest = Partner.objects.get(slug="bench-1")
    _, newest_key = api_key_create(partner=newest, scopes=[ApiScope.READ], name="bench")
    newest_headers = {"Authorization": f"Bearer {newest_key}"}
    results = {
        "GET /api/v1/esims/{iccid}": measure(client, detail_urls, headers),
        "GET /api/v1/esims, first page (newest partner)": measure(
            client, first_page, newest_headers
        ),
        "GET /api/v1/esims, first page (oldest partner)": measure(client, first_page, headers),
        "GET /api/v1/esims, page 22 (oldest partner)": measure(client, deep_page, headers),
    }
    print(f"\nmachine: {platform.node()} {platform.machine()} cpus={os.cpu_count()}")
    print(f"python {platform.python_version()}, PostgreSQL {connection.pg_version}")
    print(f"date: {timezone.now():%Y-%m-%d %H:%M} UTC")
    print(f"profiles: {Profile.objects.count():,}  eSIMs: {Esim.objects.count():,}\n")
    print(f"{'operation':50} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, r in results.items():
        print(f"{name:50} {r['n']:>6} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f}")


if __name__ == "__main__":
    main()
