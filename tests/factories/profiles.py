"""Factories for the catalogue and the profile inventory."""

from __future__ import annotations

from decimal import Decimal

import factory

from profiles.choices import EventSource, ProfileState
from profiles.iccid import luhn_check_digit
from profiles.models import Country, Network, Plan, Profile, ProfileEvent, ProfilePool, Region
from tests.factories.smdp_client import SmdpServerFactory


def iccid_for(n: int, issuer: str = "8988247") -> str:
    """A valid 19-digit ICCID, distinct for each ``n`` (outside the simulator's 8944 range)."""
    body = f"{issuer}{n:011d}"
    return body + luhn_check_digit(body)


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("iso2",)

    iso2 = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    iso3 = factory.LazyAttribute(lambda o: f"{o.iso2}X")
    name = factory.LazyAttribute(lambda o: f"Country {o.iso2}")
    mccs = factory.LazyFunction(lambda: ["999"])


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    operator = factory.Sequence(lambda n: f"Operator {n}")
    country = factory.SubFactory(CountryFactory)
    mcc = "999"
    mnc = factory.Sequence(lambda n: f"{n % 1000:03d}")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.LazyAttribute(lambda o: f"Plan {o.code}")
    country = factory.SubFactory(CountryFactory)
    region = None
    data_mb = 1024
    validity_days = 7
    wholesale_cost = Decimal("2.00")
    retail_price = Decimal("5.00")
    currency = "USD"


class ProfilePoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfilePool
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"pool-{n}")
    smdp_server = factory.SubFactory(SmdpServerFactory)
    profile_type = "SIM-DATA"
    version_label = "v1"
    low_water_mark = 10

    @factory.post_generation
    def plans(self, create: bool, extracted: list[Plan] | None, **kwargs: object) -> None:
        if create and extracted:
            self.plans.add(*extracted)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    iccid = factory.Sequence(iccid_for)
    pool = factory.SubFactory(ProfilePoolFactory)
    state = ProfileState.AVAILABLE


class ProfileEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfileEvent

    profile = factory.SubFactory(ProfileFactory)
    from_state = ProfileState.AVAILABLE
    to_state = ProfileState.RESERVED
    source = EventSource.SYSTEM
    actor = "test"
