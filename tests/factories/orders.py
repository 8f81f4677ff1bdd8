"""Stock to sell (a partner allowed to sell a plan served by a pool of profiles) and eSIMs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from orders.choices import JobStatus
from orders.models import Esim, ProvisioningJob
from orders.services import esim_release, order_place, order_settle
from partners.models import Partner
from partners.services import plan_access_grant
from profiles.models import Plan, Profile, ProfilePool
from smdp_client.models import SmdpServer
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import PlanFactory, ProfileFactory, ProfilePoolFactory
from tests.factories.smdp_client import SmdpServerFactory


@dataclass
class Stock:
    partner: Partner
    plan: Plan
    pool: ProfilePool
    server: SmdpServer

    def profile_state(self, iccid: str) -> str:
        return Profile.objects.values_list("state", flat=True).get(iccid=iccid)

    def set_confirmation_code(self, code: str) -> None:
        for profile in Profile.objects.filter(pool=self.pool):
            profile.confirmation_code = code
            profile.save(update_fields=["confirmation_code"])

    def top_up_plan(self, *, price: Decimal, data_mb: int | None, validity_days: int) -> Plan:
        plan = PlanFactory(
            is_top_up=True,
            retail_price=price,
            data_mb=data_mb,
            throttle_kbps=None if data_mb else 512,
            validity_days=validity_days,
            country=self.plan.country,
        )
        plan_access_grant(partner=self.partner, plans=[plan])
        return plan


def make_stock(
    *,
    profiles: int,
    price: Decimal,
    balance: Decimal,
    smdp_url: str = "http://127.0.0.1:9",
    data_mb: int | None = 1024,
    validity_days: int = 7,
) -> Stock:
    """A fresh partner, plan, SM-DP+ server record and pool holding ``profiles`` profiles."""
    server = SmdpServerFactory(base_url=smdp_url)
    plan = PlanFactory(
        retail_price=price,
        data_mb=data_mb,
        throttle_kbps=None if data_mb else 512,
        validity_days=validity_days,
    )
    pool = ProfilePoolFactory(smdp_server=server, plans=[plan])
    ProfileFactory.create_batch(profiles, pool=pool)
    partner = PartnerFactory(plans=[plan], balance=balance)
    return Stock(partner=partner, plan=plan, pool=pool, server=server)


def make_delivered_esim(stock: Stock, *, matching_id: str = "TEST-MATCHING-ID") -> Esim:
    """An eSIM sold and released as the pipeline would leave it, without calling an SM-DP+."""
    order = order_place(
        partner=stock.partner,
        plan_code=stock.plan.code,
        quantity=1,
        idempotency_key=f"delivered-{Esim.objects.count()}",
    )
    esim = order.esims.select_related("profile").get()
    esim_release(
        esim=esim,
        smdp_address=stock.server.smdp_address,
        matching_id=matching_id,
        activation_code=f"LPA:1${stock.server.smdp_address}${matching_id}",
        eid="",
    )
    order_settle(order_id=order.pk)
    ProvisioningJob.objects.filter(order=order).update(status=JobStatus.DONE)
    esim.refresh_from_db()
    return esim
