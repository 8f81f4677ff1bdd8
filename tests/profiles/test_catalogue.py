"""The catalogue comes from the shipped data files, and loading it twice changes nothing."""

from __future__ import annotations

import pytest

from profiles.models import Country, Network, Region
from profiles.services import catalogue_load

pytestmark = pytest.mark.django_db


def test_the_shipped_regions_have_the_advertised_sizes() -> None:
    catalogue_load()
    sizes = {r.code: r.countries.count() for r in Region.objects.all()}
    assert sizes["europe"] == 39
    assert sizes["asia"] == 14
    assert sizes["global"] == 120


def test_countries_carry_iso_codes_and_mccs() -> None:
    catalogue_load()
    uk = Country.objects.get(iso2="GB")
    assert (uk.iso3, uk.name, uk.mccs) == ("GBR", "United Kingdom", ["234", "235"])
    assert Network.objects.get(mcc="234", mnc="30").operator == "EE"


def test_loading_again_duplicates_nothing() -> None:
    first = catalogue_load()
    again = catalogue_load()
    assert first == again
    assert Country.objects.count() == first.countries
    assert Network.objects.count() == first.networks
