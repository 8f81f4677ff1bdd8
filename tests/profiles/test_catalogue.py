"""The catalogue comes from the shipped data files, loading it twice changes nothing, and its
codes are ASCII through and through."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from profiles.models import Country, Network, Region
from profiles.services import catalogue_load
from tests.factories.profiles import NetworkFactory, PlanFactory

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


def test_full_clean_accepts_ascii_network_codes_and_an_iso_currency() -> None:
    NetworkFactory(mcc="234", mnc="30").full_clean()
    PlanFactory(currency="EUR").full_clean()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mcc", "\u0660\u0660\u0660"),
        ("mcc", "234\n"),
        ("mnc", "\u0663\u0660"),
        ("mnc", "30\n"),
    ],
    ids=[
        "MCC in Arabic-Indic digits",
        "MCC with a trailing newline",
        "MNC in Arabic-Indic digits",
        "MNC with a trailing newline",
    ],
)
def test_full_clean_refuses_a_network_code_that_is_not_ascii_digits_only(
    field: str, value: str
) -> None:
    network = NetworkFactory()
    setattr(network, field, value)

    with pytest.raises(ValidationError) as refused:
        network.full_clean()

    assert set(refused.value.message_dict) == {field}
    assert "Enter a valid value." in refused.value.message_dict[field]  # the pattern, not length


def test_full_clean_refuses_a_currency_with_a_trailing_newline() -> None:
    plan = PlanFactory()
    plan.currency = "USD\n"

    with pytest.raises(ValidationError) as refused:
        plan.full_clean()

    assert set(refused.value.message_dict) == {"currency"}
    assert "Use an ISO 4217 code such as USD or EUR." in refused.value.message_dict["currency"]
