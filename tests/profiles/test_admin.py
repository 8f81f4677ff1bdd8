"""Admin pages for every inventory and partner model open, and never show a secret."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from partners.services import api_key_create, price_override_set
from partners.webhooks.services import webhook_endpoint_create, webhook_endpoint_test
from profiles.choices import ProfileState
from profiles.services import profile_transition
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import (
    NetworkFactory,
    PlanFactory,
    ProfileFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "profiles_country",
    "profiles_region",
    "profiles_network",
    "profiles_plan",
    "profiles_profilepool",
    "profiles_profile",
    "profiles_profileevent",
    "profiles_profileimport",
    "profiles_poolstatecount",
    "partners_partner",
    "partners_apikey",
    "partners_ledgerentry",
    "partners_priceoverride",
    "partners_webhookendpoint",
    "partners_webhookdelivery",
]


@pytest.fixture
def data() -> dict[str, object]:
    RegionFactory()
    NetworkFactory()
    plan = PlanFactory()
    profile = ProfileFactory(state=ProfileState.RESERVED, pin1="9876")
    profile_transition(
        profile=profile, to_state="released", source="system", matching_id="MATCH-SECRET-1"
    )
    partner = PartnerFactory(balance=Decimal("10"), plans=[plan])
    price_override_set(partner=partner, plan=plan, price=Decimal("3"))
    key, plaintext = api_key_create(partner=partner)
    endpoint, webhook_secret = webhook_endpoint_create(
        partner=partner, url="https://h.example.com/"
    )
    webhook_endpoint_test(endpoint=endpoint)
    return {
        "profile": profile,
        "partner": partner,
        "key": key,
        "plaintext": plaintext,
        "webhook_secret": webhook_secret,
    }


@pytest.mark.parametrize("model", MODELS)
def test_every_list_opens_and_shows_no_secret(
    superuser_client: Client, data: dict[str, object], model: str
) -> None:
    response = superuser_client.get(reverse(f"admin:{model}_changelist"))

    assert response.status_code == 200
    body = response.content.decode()
    api_secret = str(data["plaintext"]).split(".")[1]
    for secret in ("9876", "MATCH-SECRET-1", api_secret, str(data["webhook_secret"])):
        assert secret not in body


def test_the_partner_list_shows_the_running_balance(
    superuser_client: Client, data: dict[str, object]
) -> None:
    response = superuser_client.get(reverse("admin:partners_partner_changelist"))

    assert '<td class="field-balance">10.00</td>' in response.content.decode()


def test_a_profile_page_shows_its_history_and_no_secret(
    superuser_client: Client, data: dict[str, object]
) -> None:
    profile = data["profile"]
    response = superuser_client.get(reverse("admin:profiles_profile_change", args=[profile.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Released" in body
    assert "MATCH-SECRET-1" not in body
    assert "9876" not in body


def test_history_cannot_be_edited_or_deleted(
    superuser_client: Client, data: dict[str, object]
) -> None:
    event = data["profile"].events.get()
    change_url = reverse("admin:profiles_profileevent_change", args=[event.pk])
    delete_url = reverse("admin:profiles_profileevent_delete", args=[event.pk])

    change = superuser_client.post(change_url, {})
    delete = superuser_client.post(delete_url, {})

    assert change.status_code == 403
    assert delete.status_code == 403


def test_money_and_standing_of_a_partner_are_not_editable_in_the_admin(
    superuser_client: Client, data: dict[str, object]
) -> None:
    """They change on the staff partner page, which keeps the ledger's rules and asks why."""
    partner = data["partner"]
    page = superuser_client.get(reverse("admin:partners_partner_change", args=[partner.pk]))
    add_price = superuser_client.get(reverse("admin:partners_priceoverride_add"))

    body = page.content.decode()
    for field in ("status", "currency", "credit_limit"):
        assert f'name="{field}"' not in body
    assert 'name="price_overrides-0-price"' not in body
    assert add_price.status_code == 403
