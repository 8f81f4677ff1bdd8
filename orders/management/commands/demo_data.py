"""``manage.py demo_data``: a working demo in one command, safe to run again.

Loads the catalogue from ``profiles/data``, a dozen realistic plans, the built-in SM-DP+
simulator's server record, two pools of 1,000 profiles each (through ``pool_import``, like
real stock), a demo partner with all plans, an opening balance and an API key (printed once,
when the partner is first created), one demo traveler order whose page ``make run`` links
to, and the staff superuser. It lives in ``orders`` because
only ``orders`` may import every app.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from orders.portal.services import access_token_issue
from orders.services import order_place
from partners.choices import LedgerKind
from partners.models import Partner
from partners.services import api_key_create, ledger_credit, partner_create, plan_access_grant
from profiles.iccid import luhn_check_digit
from profiles.models import Country, Plan, Profile, ProfilePool, Region
from profiles.services import catalogue_load, plan_upsert, pool_create, pool_import
from smdp_client.services import smdp_server_ensure_simulator

PROFILES_PER_POOL = 1000
DEMO_PARTNER_SLUG = "demo-travel"
DEMO_BALANCE = Decimal("500.00")
# The demo traveler order: placed once (the key makes a re-run return the same order).
DEMO_ORDER_KEY = "demo-traveler-page"
DEMO_ORDER_PLAN = "eu-5gb-30d"


@dataclass(frozen=True)
class DemoPlan:
    code: str
    name: str
    where: str  # ISO alpha-2 country or region code
    data_mb: int | None
    validity_days: int
    wholesale: str
    retail: str
    throttle_kbps: int | None = None
    is_top_up: bool = False


PLANS = [
    DemoPlan("eu-1gb-7d", "Europe 1 GB · 7 days", "europe", 1024, 7, "2.10", "4.50"),
    DemoPlan("eu-5gb-30d", "Europe 5 GB · 30 days", "europe", 5120, 30, "6.80", "12.00"),
    DemoPlan("eu-20gb-30d", "Europe 20 GB · 30 days", "europe", 20480, 30, "17.50", "29.00"),
    DemoPlan(
        "eu-unlimited-10d",
        "Europe Unlimited · 10 days",
        "europe",
        None,
        10,
        "19.00",
        "34.00",
        throttle_kbps=1024,
    ),
    DemoPlan(
        "eu-topup-2gb",
        "Europe top-up 2 GB · 30 days",
        "europe",
        2048,
        30,
        "2.80",
        "5.00",
        is_top_up=True,
    ),
    DemoPlan("asia-3gb-15d", "Asia 3 GB · 15 days", "asia", 3072, 15, "5.20", "9.90"),
    DemoPlan("asia-10gb-30d", "Asia 10 GB · 30 days", "asia", 10240, 30, "13.00", "22.00"),
    DemoPlan("global-1gb-7d", "Global 1 GB · 7 days", "global", 1024, 7, "6.00", "11.00"),
    DemoPlan("global-5gb-30d", "Global 5 GB · 30 days", "global", 5120, 30, "22.00", "39.00"),
    DemoPlan("us-5gb-30d", "United States 5 GB · 30 days", "US", 5120, 30, "5.50", "10.00"),
    DemoPlan("jp-3gb-8d", "Japan 3 GB · 8 days", "JP", 3072, 8, "3.80", "7.50"),
    DemoPlan(
        "th-unlimited-8d",
        "Thailand Unlimited · 8 days",
        "TH",
        None,
        8,
        "6.50",
        "12.00",
        throttle_kbps=512,
    ),
]

POOLS = {
    # name: (profile type, issuer prefix for the demo ICCIDs, plans served)
    "demo-europe": ("SIM-DATA", "8988304", [p.code for p in PLANS if p.where == "europe"]),
    "demo-world": ("SIM-DATA", "8988305", [p.code for p in PLANS if p.where != "europe"]),
}


class Command(BaseCommand):
    help = "Load the demo data once; running it again keeps what is there."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = catalogue_load()
        self.stdout.write(
            f"catalogue: {counts.countries} countries, {counts.regions} regions, "
            f"{counts.networks} networks"
        )
        plans = self._plans()
        self.stdout.write(f"plans: {len(plans)}")
        server = smdp_server_ensure_simulator()
        self.stdout.write(f"SM-DP+ server: {server.name} at {server.base_url}")
        for name, (profile_type, issuer, codes) in POOLS.items():
            self._pool(name, profile_type, issuer, [plans[c] for c in codes], server)
        partner = self._partner(list(plans.values()))
        self._traveler_order(partner)
        self._admin()
        # The demo staff user's second factor: an authenticator key printed here (development
        # only; staff_demo_otp refuses when DEBUG is off).
        if settings.DEBUG:
            call_command("staff_demo_otp", stdout=self.stdout)

    def _plans(self) -> dict[str, Plan]:
        plans = {}
        for spec in PLANS:
            country = Country.objects.filter(iso2=spec.where).first()
            region = None if country else Region.objects.get(code=spec.where)
            plans[spec.code] = plan_upsert(
                code=spec.code,
                name=spec.name,
                country=country,
                region=region,
                data_mb=spec.data_mb,
                throttle_kbps=spec.throttle_kbps,
                validity_days=spec.validity_days,
                wholesale_cost=Decimal(spec.wholesale),
                retail_price=Decimal(spec.retail),
                is_top_up=spec.is_top_up,
            )
        return plans

    def _pool(
        self, name: str, profile_type: str, issuer: str, plans: list[Plan], server: Any
    ) -> None:
        pool = ProfilePool.objects.filter(name=name).first()
        if pool is None:
            pool = pool_create(
                name=name,
                smdp_server=server,
                profile_type=profile_type,
                plans=plans,
                low_water_mark=100,
                version_label="demo-v1",
            )
        have = Profile.objects.filter(pool=pool).count()
        if have >= PROFILES_PER_POOL:
            self.stdout.write(f"pool {name}: {have} profiles (kept)")
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{name}.csv"
            with path.open("w") as out:
                out.write("ICCID,IMSI,PIN1,PUK1\n")
                for n in range(have, PROFILES_PER_POOL):
                    body = f"{issuer}{n:011d}"
                    imsi = f"{999990 if issuer.endswith('4') else 999991}{n:09d}"
                    out.write(
                        f"{body}{luhn_check_digit(body)},{imsi},{1000 + n % 9000},"
                        f"{12345678 + n:08d}\n"
                    )
            record = pool_import(pool=pool, path=path, actor="demo_data")
        self.stdout.write(f"pool {name}: imported {record.imported} profiles")

    @transaction.atomic
    def _partner(self, plans: list[Plan]) -> Partner:
        partner = Partner.objects.filter(slug=DEMO_PARTNER_SLUG).first()
        if partner is not None:
            plan_access_grant(partner=partner, plans=plans)
            self.stdout.write(
                f"partner {partner.slug}: kept (its API key was printed when it was created; "
                f"make another with: manage.py create_api_key {partner.slug})"
            )
            return partner
        partner = partner_create(
            name="Demo Travel eSIM",
            slug=DEMO_PARTNER_SLUG,
            currency="USD",
            credit_limit=Decimal("100.00"),
            display_name="Demo Travel",
        )
        partner.support_email = "help@demo-travel.test"
        partner.brand_colour = "#0b5fff"
        partner.save(update_fields=["support_email", "brand_colour", "updated_at"])
        plan_access_grant(partner=partner, plans=plans)
        ledger_credit(
            partner=partner,
            amount=DEMO_BALANCE,
            kind=LedgerKind.TOPUP,
            reference="demo-opening-balance",
            memo="demo data",
            actor="demo_data",
        )
        _, plaintext = api_key_create(partner=partner, name="demo key")
        self.stdout.write(
            f"partner {partner.slug}: created with {len(plans)} plans and a balance of "
            f"{DEMO_BALANCE} USD"
        )
        self.stdout.write("demo partner API key (shown once, store it now):")
        self.stdout.write(plaintext)
        return partner

    def _traveler_order(self, partner: Partner) -> None:
        """A real sale through the real pipeline: the worker provisions it once it starts."""
        order = order_place(
            partner=partner,
            plan_code=DEMO_ORDER_PLAN,
            quantity=1,
            idempotency_key=DEMO_ORDER_KEY,
            traveler_email="traveler@demo-travel.test",
            traveler_name="Demo Traveler",
            reference="DEMO-1",
        )
        access_token_issue(esim=order.esims.get())
        self.stdout.write(f"demo traveler order: {order.pk} ({order.plan.code})")

    def _admin(self) -> None:
        user_model = get_user_model()
        admin, created = user_model.objects.get_or_create(
            username=settings.DEMO_ADMIN_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "email": "ops@coreesim.test"},
        )
        if created:
            admin.set_password(settings.DEMO_ADMIN_PASSWORD)
            admin.save(update_fields=["password"])
        self.stdout.write(f"demo staff user: {admin.username} ({'created' if created else 'kept'})")
