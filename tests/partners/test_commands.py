"""create_partner and create_api_key: scriptable, with clear errors."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from partners.models import ApiKey, Partner
from partners.services import api_key_authenticate, partner_balance, partner_can_sell
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import PlanFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_partner_sets_everything_up_and_prints_a_working_key_once() -> None:
    granted, other = PlanFactory(code="eu-1gb"), PlanFactory(code="asia-3gb")

    out = run(
        "create_partner",
        "Acme Mobile",
        "--currency",
        "EUR",
        "--credit-limit",
        "50",
        "--balance",
        "200",
        "--plan",
        "eu-1gb",
    )

    partner = Partner.objects.get(slug="acme-mobile")
    assert (partner.currency, partner.credit_limit) == ("EUR", Decimal("50.00"))
    assert partner_balance(partner=partner) == Decimal("200.00")
    assert partner_can_sell(partner=partner, plan=granted)
    assert not partner_can_sell(partner=partner, plan=other)
    plaintext = out.strip().splitlines()[-1]
    assert api_key_authenticate(presented=plaintext, ip=None).partner == partner
    assert ApiKey.objects.filter(partner=partner).count() == 1


def test_create_partner_all_plans_grants_every_active_plan() -> None:
    plans = [PlanFactory(), PlanFactory()]
    PlanFactory(is_active=False)
    run("create_partner", "Everything Ltd", "--all-plans")
    partner = Partner.objects.get(slug="everything-ltd")
    assert all(partner_can_sell(partner=partner, plan=p) for p in plans)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "nope"], "unknown plan code(s): nope"),
        (["--balance", "ten"], "--balance must be a number, got 'ten'"),
        (["--credit-limit", "-5"], "--credit-limit cannot be negative"),
        (["--currency", "euro"], "Use an ISO 4217 code such as USD or EUR."),
    ],
)
def test_create_partner_explains_what_is_wrong_and_creates_nothing(
    args: list[str], message: str
) -> None:
    with pytest.raises(CommandError) as caught:
        run("create_partner", "Acme", *args)
    assert message in str(caught.value)
    assert not Partner.objects.exists()


def test_create_partner_refuses_a_taken_slug() -> None:
    PartnerFactory(slug="acme")
    with pytest.raises(CommandError, match="a partner with slug 'acme' already exists"):
        run("create_partner", "Acme")


def test_create_partner_refuses_an_unsafe_webhook_url_and_rolls_back() -> None:
    with pytest.raises(CommandError, match="webhook URL refused"):
        run("create_partner", "Acme", "--webhook-url", "http://127.0.0.1/hook")
    assert not Partner.objects.exists()


def test_create_api_key_prints_a_key_with_the_requested_scope() -> None:
    partner = PartnerFactory(slug="acme")

    out = run("create_api_key", "acme", "--scope", "read", "--expires-in-days", "30")

    key = api_key_authenticate(presented=out.strip().splitlines()[-1], ip=None)
    assert key is not None
    assert key.partner == partner
    assert key.scopes == ["read"]
    assert key.expires_at is not None


def test_create_api_key_for_an_unknown_partner_fails() -> None:
    with pytest.raises(CommandError, match="no partner with slug 'ghost'"):
        run("create_api_key", "ghost")
