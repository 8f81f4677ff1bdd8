"""demo_data: a complete demo in one command, and running it again changes nothing."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from orders.models import Order
from partners.models import ApiKey, Partner
from partners.services import api_key_authenticate, partner_balance
from profiles.models import Plan, Profile, ProfilePool
from smdp_client.models import SmdpServer

pytestmark = pytest.mark.django_db


def test_demo_data_loads_everything_once_and_keeps_it_on_a_second_run() -> None:
    first = StringIO()
    call_command("demo_data", stdout=first)
    call_command("demo_data", stdout=StringIO())

    assert Plan.objects.count() == 12
    assert {p.name: p.profiles.count() for p in ProfilePool.objects.all()} == {
        "demo-europe": 1000,
        "demo-world": 1000,
    }
    assert Profile.objects.count() == 2000
    server = SmdpServer.objects.get()
    assert (server.base_url, server.allow_plain_http) == ("http://127.0.0.1:8701", True)
    partner = Partner.objects.get()
    assert partner_balance(partner=partner) == Decimal("500.00") - Decimal("12.00")
    assert Order.objects.get().idempotency_key == "demo-traveler-page"
    assert ApiKey.objects.count() == 1
    printed = [line for line in first.getvalue().splitlines() if line.startswith("cesk_")]
    assert api_key_authenticate(presented=printed[0], ip=None).partner == partner
    assert get_user_model().objects.filter(is_superuser=True, is_staff=True).count() == 1


def test_the_run_banner_links_the_demo_traveler_page_and_that_page_answers(client) -> None:
    call_command("demo_data", stdout=StringIO())
    banner = StringIO()

    call_command("run_banner", stdout=banner)

    (line,) = [line for line in banner.getvalue().splitlines() if "demo traveler page" in line]
    url = line.split()[-1]
    assert url.startswith(f"{settings.PUBLIC_BASE_URL}/esim/")
    response = client.get(url.removeprefix(settings.PUBLIC_BASE_URL))
    assert response.status_code == 200
    assert b"Europe 5 GB" in response.content
