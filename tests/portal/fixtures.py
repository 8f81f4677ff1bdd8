"""Shared fixtures of the portal and browser tests: a released eSIM with its page link."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from django_redis import get_redis_connection

from coreesim.secrets import Secret, reveal
from orders.activation import activation_code_build
from orders.choices import EsimStatus, OrderStatus
from orders.models import Esim, Order
from orders.portal import services
from profiles.choices import ProfileState
from profiles.models import Profile
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import CountryFactory, PlanFactory, ProfileFactory, RegionFactory

IOS_17_4 = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
IOS_17_3 = IOS_17_4.replace("17_4", "17_3").replace("17.4", "17.3")
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)
DESKTOP = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@dataclass
class ReadyEsim:
    esim: Esim
    token: str
    plan_name: str
    partner_name: str
    support_email: str
    traveler_email: str
    reference: str
    smdp_address: str
    matching_id: str
    activation_code: str

    @property
    def path(self) -> str:
        return reverse("portal:esim", kwargs={"token": self.token})

    @property
    def find_path(self) -> str:
        return reverse("portal:find")

    def set_profile_state(self, state: ProfileState) -> None:
        Profile.objects.filter(pk=self.esim.profile_id).update(state=state)

    def set_usage(self, *, used_mb: int) -> None:
        Esim.objects.filter(pk=self.esim.pk).update(data_used_mb=Decimal(used_mb))

    def clear_traveler_email(self) -> None:
        Order.objects.filter(pk=self.esim.order_id).update(traveler_email="")
        self.esim.order.traveler_email = ""


def released_esim(
    *,
    partner_name: str,
    colour: str = "#006633",
    support_email: str = "help@roamly.example",
    data_mb: int = 10_000,
) -> ReadyEsim:
    """An order of one eSIM whose activation code is ready, as provisioning leaves it."""
    suffix = uuid.uuid4().hex[:8]
    region = RegionFactory(code=f"europe-{suffix}", name="Europe")
    region.countries.add(
        CountryFactory(iso2="FR", iso3="FRA", name="France"),
        CountryFactory(iso2="DE", iso3="DEU", name="Germany"),
        CountryFactory(iso2="ES", iso3="ESP", name="Spain"),
    )
    plan = PlanFactory(
        code=f"eu-10gb-{suffix}",
        name="Europe 10 GB",
        country=None,
        region=region,
        data_mb=data_mb,
        validity_days=30,
    )
    partner = PartnerFactory(
        name=partner_name,
        slug=f"p-{suffix}",
        display_name=partner_name,
        brand_colour=colour,
        support_email=support_email,
        support_phone="+44 20 7946 0000",
    )
    profile = ProfileFactory(state=ProfileState.RELEASED)
    smdp_address = "smdp.coreesim.test"
    matching_id = "K7Q2-M9XY-4TZ8-P3LD"  # fixed: the docs screenshots change only with the page
    code = activation_code_build(smdp_address=smdp_address, matching_id=matching_id)
    reference = f"RM-{suffix.upper()}"
    traveler_email = f"traveler-{suffix}@example.com"
    order = Order.objects.create(
        partner=partner,
        plan=plan,
        quantity=1,
        status=OrderStatus.COMPLETED,
        currency="USD",
        unit_price=Decimal("9.00"),
        total_price=Decimal("9.00"),
        idempotency_key=f"k-{suffix}",
        reference=reference,
        traveler_email=traveler_email,
    )
    esim = Esim.objects.create(
        order=order,
        partner=order.partner,
        profile=profile,
        iccid=profile.iccid,
        status=EsimStatus.RELEASED,
        smdp_address=smdp_address,
        activation_code=Secret(code),
        data_mb=data_mb,
        validity_days=30,
    )
    access = services.access_token_issue(esim=esim)
    return ReadyEsim(
        esim=esim,
        token=reveal(access.token),
        plan_name=plan.name,
        partner_name=partner_name,
        support_email=support_email,
        traveler_email=traveler_email,
        reference=reference,
        smdp_address=smdp_address,
        matching_id=matching_id,
        activation_code=code,
    )


@pytest.fixture
def ready_esim(db: None) -> ReadyEsim:
    return released_esim(partner_name="Roamly")


@pytest.fixture
def other_partner_esim(db: None) -> ReadyEsim:
    return released_esim(
        partner_name="Globetrek", colour="#aa0000", support_email="care@globetrek.example"
    )


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Rate-limit windows live in Redis for an hour: start every test with none counted."""
    redis = get_redis_connection("default")
    for key in redis.scan_iter("portal:rl:*"):
        redis.delete(key)
