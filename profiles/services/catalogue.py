"""Catalogue writes: load the shipped reference data, create pools and plans."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from profiles.models import Country, Network, Plan, ProfilePool, Region

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class CatalogueCounts:
    countries: int
    regions: int
    networks: int


def _region_members(
    regions: dict[str, Any], code: str, seen: frozenset[str] = frozenset()
) -> set[str]:
    if code in seen:
        raise ValueError(f"region '{code}' includes itself")
    spec = regions[code]
    members = set(spec.get("countries", []))
    for included in spec.get("include", []):
        members |= _region_members(regions, included, seen | {code})
    return members


@transaction.atomic
def catalogue_load(*, data_dir: Path = DATA_DIR) -> CatalogueCounts:
    """Create or update countries, regions and networks from ``profiles/data``; idempotent.

    Rows are matched on their natural keys (ISO alpha-2, region code, MCC-MNC), so running it
    again after the data files change updates names and memberships in place and never
    duplicates. A region's ``include`` list pulls in the members of other regions.
    """
    with (data_dir / "countries.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    countries: dict[str, Country] = {}
    for row in rows:
        country, _ = Country.objects.update_or_create(
            iso2=row["iso2"],
            defaults={"iso3": row["iso3"], "name": row["name"], "mccs": row["mccs"].split()},
        )
        countries[country.iso2] = country

    regions = json.loads((data_dir / "regions.json").read_text(encoding="utf-8"))
    for code, spec in regions.items():
        region, _ = Region.objects.update_or_create(code=code, defaults={"name": spec["name"]})
        members = _region_members(regions, code)
        unknown = members - countries.keys()
        if unknown:
            raise ValueError(f"region '{code}' names unknown countries: {sorted(unknown)}")
        region.countries.set([countries[iso2] for iso2 in sorted(members)])

    with (data_dir / "networks.csv").open(encoding="utf-8") as handle:
        networks = list(csv.DictReader(handle))
    for row in networks:
        Network.objects.update_or_create(
            mcc=row["mcc"],
            mnc=row["mnc"],
            defaults={
                "operator": row["operator"],
                "country": countries[row["iso2"]],
                "lte": row["lte"] == "1",
                "nr": row["nr"] == "1",
            },
        )
    counts = CatalogueCounts(len(countries), len(regions), len(networks))
    logger.info("catalogue_loaded", extra=counts.__dict__)
    return counts


@transaction.atomic
def plan_upsert(
    *,
    code: str,
    name: str,
    validity_days: int,
    wholesale_cost: Decimal,
    retail_price: Decimal,
    country: Country | None = None,
    region: Region | None = None,
    data_mb: int | None = None,
    throttle_kbps: int | None = None,
    currency: str = "USD",
    is_top_up: bool = False,
    is_active: bool = True,
) -> Plan:
    """Create the plan ``code`` or bring it to these values (full validation first)."""
    plan = Plan.objects.filter(code=code).first() or Plan(code=code)
    for field, value in {
        "name": name,
        "validity_days": validity_days,
        "wholesale_cost": wholesale_cost,
        "retail_price": retail_price,
        "country": country,
        "region": region,
        "data_mb": data_mb,
        "throttle_kbps": throttle_kbps,
        "currency": currency,
        "is_top_up": is_top_up,
        "is_active": is_active,
    }.items():
        setattr(plan, field, value)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def pool_create(
    *,
    name: str,
    smdp_server: Any,
    profile_type: str,
    plans: Iterable[Plan],
    low_water_mark: int = 100,
    version_label: str = "",
) -> ProfilePool:
    """A new pool of one profile type on one SM-DP+, serving ``plans``."""
    pool = ProfilePool(
        name=name,
        smdp_server=smdp_server,
        profile_type=profile_type,
        low_water_mark=low_water_mark,
        version_label=version_label,
    )
    pool.full_clean()
    pool.save()
    pool.plans.set(list(plans))
    logger.info("pool_created", extra={"pool": name, "profile_type": profile_type})
    return pool
