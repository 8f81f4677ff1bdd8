"""List pages cost the same number of queries for 2 rows as for 6 (no N+1).

The dashboard is left out on purpose: its SM-DP+ panel asks a few queries per server (there
are a handful), and all panels are cached for a minute.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coreesim.staff.choices import Role
from coreesim.staff.services import audit_record
from tests.factories.orders import make_delivered_esim, make_stock
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import PlanFactory

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    client.get(url)  # warm per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(rows: int) -> None:
    for _ in range(rows):
        stock = make_stock(profiles=1, price=Decimal("5"), balance=Decimal("10"))
        esim = make_delivered_esim(stock)
        esim.order.traveler_email = "same@example.com"
        esim.order.save()
        audit_record(action="x.y", object_id=esim.pk)


@pytest.mark.parametrize(
    "url",
    [
        "/staff/orders/",
        "/staff/partners/",
        "/staff/audit/",
        "/staff/orders/esims/?q=same@example.com",
        "/staff/inventory/",
    ],
)
def test_list_pages_do_not_query_per_row(make_staff, client_for, url):
    client = client_for(make_staff(Role.ADMINISTRATOR))
    _grow(2)
    small = _queries(client, url)
    _grow(4)
    from django.core.cache import cache

    cache.clear()
    assert _queries(client, url) <= small


def test_partner_detail_does_not_query_per_plan(make_staff, client_for):
    partner = PartnerFactory(plans=[PlanFactory()])
    client = client_for(make_staff(Role.ADMINISTRATOR))
    url = f"/staff/partners/{partner.pk}/"
    few = _queries(client, url)
    PlanFactory.create_batch(5)
    assert _queries(client, url) == few
