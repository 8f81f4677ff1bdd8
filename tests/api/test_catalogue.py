"""Countries, regions and plans: what a partner may sell, at its own price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partners.services import plan_access_grant, plan_price_for, price_override_set
from profiles.models import Plan
from tests.factories.profiles import CountryFactory, PlanFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def europe():
    region = RegionFactory(code="europe", name="Europe")
    region.countries.add(CountryFactory(iso2="FR"), CountryFactory(iso2="DE"))
    return region


def test_countries_are_listed_by_iso_code(api) -> None:
    CountryFactory(iso2="ZZ")
    CountryFactory(iso2="AA")
    codes = [c["iso2"] for c in api.get("/api/v1/countries?limit=200").json()["results"]]
    assert codes == sorted(codes)
    assert {"AA", "ZZ"} <= set(codes)


def test_countries_filter_by_region(api, europe) -> None:
    CountryFactory(iso2="JP")
    results = api.get("/api/v1/countries?region=europe").json()["results"]
    assert sorted(c["iso2"] for c in results) == ["DE", "FR"]


def test_regions_list_their_countries(api, europe) -> None:
    (region,) = api.get("/api/v1/regions").json()["results"]
    assert region == {"code": "europe", "name": "Europe", "countries": ["DE", "FR"]}


def test_plans_list_only_what_the_partner_may_sell(api, partner) -> None:
    PlanFactory(code="not-granted")
    codes = [p["code"] for p in api.get("/api/v1/plans").json()["results"]]
    assert "not-granted" not in codes
    assert len(codes) == 1


def test_plan_prices_are_the_partners_own(api, partner) -> None:
    plan = Plan.objects.get(code=api.get("/api/v1/plans").json()["results"][0]["code"])
    price_override_set(partner=partner, plan=plan, price=Decimal("3.33"))
    body = api.get(f"/api/v1/plans/{plan.code}").json()
    assert body["price"] == "3.33"
    assert body["currency"] == partner.currency
    assert Decimal(body["price"]) == plan_price_for(partner=partner, plan=plan)


def test_plans_filter_by_country_including_regional_plans(api, partner, europe) -> None:
    regional = PlanFactory(code="eu-5gb", country=None, region=europe)
    japan = PlanFactory(code="jp-1gb", country=CountryFactory(iso2="JP"))
    plan_access_grant(partner=partner, plans=[regional, japan])
    codes = {p["code"] for p in api.get("/api/v1/plans?country=fr").json()["results"]}
    assert codes == {"eu-5gb"}


def test_plans_filter_by_type_data_and_validity(api, partner) -> None:
    topup = PlanFactory(code="topup-1", is_top_up=True, data_mb=2048, validity_days=30)
    plan_access_grant(partner=partner, plans=[topup])
    assert [p["code"] for p in api.get("/api/v1/plans?type=topup").json()["results"]] == ["topup-1"]
    assert (
        api.get("/api/v1/plans?min_data_mb=2000&validity_days=30").json()["results"][0]["type"]
        == "topup"
    )


def test_an_inactive_plan_is_not_for_sale(api, partner) -> None:
    code = api.get("/api/v1/plans").json()["results"][0]["code"]
    Plan.objects.filter(code=code).update(is_active=False)
    assert api.get(f"/api/v1/plans/{code}").status_code == 404


def test_a_plan_in_another_currency_without_override_is_not_offered(api, partner) -> None:
    eur = PlanFactory(code="eur-plan", currency="EUR")
    plan_access_grant(partner=partner, plans=[eur])
    assert api.get("/api/v1/plans/eur-plan").status_code == 404


def test_bad_filters_are_a_400_with_field_errors(api) -> None:
    response = api.get("/api/v1/plans?type=gold&min_data_mb=-1")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"type", "min_data_mb"}


def test_plan_list_query_count_does_not_grow_with_plans(
    api, partner, europe, django_assert_max_num_queries
) -> None:
    plans = [PlanFactory(country=None, region=europe) for _ in range(20)]
    plan_access_grant(partner=partner, plans=plans)
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/plans").json()["results"]) == 21


def test_region_list_query_count_does_not_grow_with_regions(
    api, django_assert_max_num_queries
) -> None:
    for n in range(10):
        RegionFactory().countries.add(CountryFactory(iso2=f"Q{chr(65 + n)}"))
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/regions").json()["results"]) == 10
