"""Admin pages for every inventory and partner model open, and never show a secret."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.services import api_key_create, price_override_set
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
]


@pytest.fixture
def staff() -> Client:
    """A superuser whose session passed the second factor the staff site requires."""
    user = get_user_model().objects.create_superuser("root-admin", "r@example.test", "pw")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


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
    return {"profile": profile, "partner": partner, "key": key, "plaintext": plaintext}


@pytest.mark.parametrize("model", MODELS)
def test_every_list_opens_and_shows_no_secret(
    staff: Client, data: dict[str, object], model: str
) -> None:
    response = staff.get(reverse(f"admin:{model}_changelist"))

    assert response.status_code == 200
    body = response.content.decode()
    for secret in ("9876", "MATCH-SECRET-1", str(data["plaintext"]).split(".")[1]):
        assert secret not in body


def test_a_profile_page_shows_its_history_and_no_secret(
    staff: Client, data: dict[str, object]
) -> None:
    profile = data["profile"]
    response = staff.get(reverse("admin:profiles_profile_change", args=[profile.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Released" in body
    assert "MATCH-SECRET-1" not in body
    assert "9876" not in body


def test_history_cannot_be_edited_or_deleted(staff: Client, data: dict[str, object]) -> None:
    event = data["profile"].events.get()
    change = staff.post(reverse("admin:profiles_profileevent_change", args=[event.pk]), {})
    delete = staff.post(reverse("admin:profiles_profileevent_delete", args=[event.pk]), {})
    assert change.status_code == 403
    assert delete.status_code == 403
