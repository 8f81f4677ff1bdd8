"""Who may sell what, and at which price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partners.choices import PartnerStatus
from partners.services import (
    PriceUnavailable,
    partner_can_sell,
    partner_create,
    partner_set_status,
    plan_access_grant,
    plan_access_revoke,
    plan_price_for,
    price_override_set,
)
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import PlanFactory

pytestmark = pytest.mark.django_db


def test_a_partner_sells_only_the_plans_granted_to_it() -> None:
    granted, other = PlanFactory(), PlanFactory()
    partner = PartnerFactory(plans=[granted])

    assert partner_can_sell(partner=partner, plan=granted)
    assert not partner_can_sell(partner=partner, plan=other)


def test_access_is_per_partner() -> None:
    plan = PlanFactory()
    PartnerFactory(plans=[plan])
    assert not partner_can_sell(partner=PartnerFactory(), plan=plan)


def test_a_new_partner_gets_its_own_group() -> None:
    partner = partner_create(name="Acme Mobile", slug="acme")
    assert partner.group is not None
    assert partner.group.name == "partner:acme"


def test_revoked_suspended_or_inactive_means_no_sale() -> None:
    plan = PlanFactory()
    partner = PartnerFactory(plans=[plan])
    plan_access_revoke(partner=partner, plans=[plan])
    assert not partner_can_sell(partner=partner, plan=plan)

    plan_access_grant(partner=partner, plans=[plan])
    partner_set_status(partner=partner, status=PartnerStatus.SUSPENDED)
    assert not partner_can_sell(partner=partner, plan=plan)

    partner_set_status(partner=partner, status=PartnerStatus.ACTIVE)
    plan.is_active = False
    plan.save()
    assert not partner_can_sell(partner=partner, plan=plan)


def test_the_default_price_is_the_plan_retail_price() -> None:
    plan = PlanFactory(retail_price=Decimal("9.50"))
    assert plan_price_for(partner=PartnerFactory(), plan=plan) == Decimal("9.50")


def test_an_override_wins() -> None:
    plan = PlanFactory(retail_price=Decimal("9.50"))
    partner = PartnerFactory()
    price_override_set(partner=partner, plan=plan, price=Decimal("7.25"))
    assert plan_price_for(partner=partner, plan=plan) == Decimal("7.25")


def test_a_plan_in_another_currency_needs_an_override() -> None:
    plan = PlanFactory(currency="EUR")
    partner = PartnerFactory(currency="USD")
    with pytest.raises(PriceUnavailable, match="set a price override"):
        plan_price_for(partner=partner, plan=plan)
