"""Every endpoint, two partners: B never sees or touches A's objects, and gets 404 for them.

The table names every route under /api/v1/; ``test_the_table_covers_every_route`` fails when a
route is added without an isolation case, so no endpoint can slip out of this test.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from orders.models import Esim
from partners.services import api_key_create
from partners.webhooks import services as webhooks
from partners.webhooks.models import WebhookDelivery, WebhookEndpoint
from profiles.models import Profile
from tests.api.conftest import PartnerClient
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import PlanFactory

pytestmark = pytest.mark.django_db

PUBLIC = {"api-schema", "api-docs", "api-redoc"}
SHARED_CATALOGUE = {"api-countries", "api-regions"}


@dataclass
class Victim:
    """Partner A's objects."""

    plan_code: str
    order_id: int
    reference: str
    iccid: str
    endpoint_id: int
    delivery_id: int
    topup_plan_code: str

    def markers(self) -> list[str]:
        """Strings that appear in a body only if it shows one of A's objects."""
        return [
            f'"{self.plan_code}"',
            f'"{self.topup_plan_code}"',
            self.iccid,
            self.reference,
            "a.example.com",
            f'"order:{self.order_id}"',
        ]


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    kind: str  # "404": not found; "empty": an empty list; "list": a list without A's objects
    body: dict[str, Any] | None = None


def cases(v: Victim) -> dict[str, list[Case]]:
    esim = f"/api/v1/esims/{v.iccid}"
    endpoint = f"/api/v1/webhook-endpoints/{v.endpoint_id}"
    delivery = f"/api/v1/webhook-deliveries/{v.delivery_id}"
    return {
        "api-plans": [Case("GET", "/api/v1/plans", "list")],
        "api-plan": [Case("GET", f"/api/v1/plans/{v.plan_code}", "404")],
        "api-balance": [Case("GET", "/api/v1/balance", "balance")],
        "api-balance-transactions": [Case("GET", "/api/v1/balance/transactions", "list")],
        "api-webhook-endpoints": [Case("GET", "/api/v1/webhook-endpoints", "empty")],
        "api-webhook-endpoint": [
            Case("GET", endpoint, "404"),
            Case("PATCH", endpoint, "404", {"enabled": False}),
            Case("DELETE", endpoint, "404"),
        ],
        "api-webhook-endpoint-rotate": [Case("POST", f"{endpoint}/rotate-secret", "404")],
        "api-webhook-endpoint-test": [Case("POST", f"{endpoint}/test", "404")],
        "api-webhook-deliveries": [
            Case("GET", "/api/v1/webhook-deliveries", "empty"),
            Case("GET", f"/api/v1/webhook-deliveries?endpoint={v.endpoint_id}", "empty"),
        ],
        "api-webhook-delivery": [Case("GET", delivery, "404")],
        "api-webhook-delivery-redeliver": [Case("POST", f"{delivery}/redeliver", "404")],
        "api-orders": [
            Case("GET", "/api/v1/orders", "empty"),
            Case("GET", f"/api/v1/orders?reference={v.reference}", "empty"),
        ],
        "api-order": [Case("GET", f"/api/v1/orders/{v.order_id}", "404")],
        "api-esims": [
            Case("GET", "/api/v1/esims", "empty"),
            Case("GET", f"/api/v1/esims?order={v.order_id}", "empty"),
        ],
        "api-esim": [Case("GET", esim, "404")],
        "api-esim-qr-svg": [Case("GET", f"{esim}/qr.svg", "404")],
        "api-esim-qr-png": [Case("GET", f"{esim}/qr.png", "404")],
        "api-esim-events": [Case("GET", f"{esim}/events", "404")],
        "api-esim-usage": [Case("GET", f"{esim}/usage", "404")],
        "api-esim-topups": [Case("POST", f"{esim}/topups", "404", {"plan": v.topup_plan_code})],
        "api-esim-suspend": [Case("POST", f"{esim}/suspend", "404", {})],
        "api-esim-resume": [Case("POST", f"{esim}/resume", "404", {})],
        "api-esim-reissue": [Case("POST", f"{esim}/reissue", "404", {})],
        "api-esim-cancel": [Case("POST", f"{esim}/cancel", "404", {})],
    }


def api_route_names() -> set[str]:
    def walk(patterns: list[Any], prefix: str) -> set[str]:
        names: set[str] = set()
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                names |= walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/") and pattern.name:
                names.add(pattern.name)
        return names

    return walk(get_resolver().url_patterns, "")


@pytest.fixture
def victim(stock, esim, settings) -> Victim:
    settings.WEBHOOK_ALLOW_HTTP = True
    partner = stock.partner
    esim.order.reference = "victim-ref"
    esim.order.save(update_fields=["reference"])
    endpoint, _ = webhooks.webhook_endpoint_create(partner=partner, url="https://a.example.com/h")
    (delivery,) = webhooks.webhook_event_emit(
        partner_id=partner.pk, event_type="order.completed", data={"order_id": esim.order_id}
    )
    topup = stock.top_up_plan(price=Decimal("1.00"), data_mb=100, validity_days=1)
    return Victim(
        plan_code=stock.plan.code,
        order_id=esim.order_id,
        reference="victim-ref",
        iccid=esim.iccid,
        endpoint_id=endpoint.pk,
        delivery_id=delivery.pk,
        topup_plan_code=topup.code,
    )


@pytest.fixture
def intruder(db: None) -> PartnerClient:
    partner = PartnerFactory(plans=[PlanFactory()], balance=Decimal("7.00"))
    _, key = api_key_create(partner=partner)
    return PartnerClient(key)


def _call(client: PartnerClient, case: Case) -> Any:
    if case.method == "POST":
        return client.post(case.path, case.body or {})
    if case.method == "PATCH":
        return client.patch(case.path, case.body or {}, format="json")
    if case.method == "DELETE":
        return client.delete(case.path)
    return client.get(case.path)


def _snapshot(v: Victim) -> tuple[Any, ...]:
    esim = Esim.objects.get(iccid=v.iccid)
    return (
        esim.status,
        esim.data_mb,
        Profile.objects.get(pk=esim.profile_id).state,
        WebhookEndpoint.objects.filter(pk=v.endpoint_id).values_list("status", "secret").get(),
        WebhookDelivery.objects.filter(pk=v.delivery_id).values_list("status").get(),
    )


def test_the_table_covers_every_route() -> None:
    placeholder = Victim("p", 1, "r", "1", 1, 1, "t")
    assert api_route_names() == set(cases(placeholder)) | PUBLIC | SHARED_CATALOGUE


def test_no_endpoint_shows_or_changes_another_partners_objects(victim, intruder) -> None:
    before = _snapshot(victim)
    leaks: list[str] = []
    for name, route_cases in cases(victim).items():
        for case in route_cases:
            response = _call(intruder, case)
            label = f"{name}: {case.method} {case.path} → {response.status_code}"
            if case.kind == "404":
                if response.status_code != 404 or response.json()["code"] != "not_found":
                    leaks.append(label)
            elif case.kind == "empty":
                results = response.json()["results"]
                if response.status_code != 200 or results:
                    leaks.append(f"{label} {results}")
            elif case.kind == "list":
                body = response.content.decode()
                shown = [m for m in victim.markers() if m in body]
                if response.status_code != 200 or shown:
                    leaks.append(f"{label} shows {shown}")
            elif case.kind == "balance" and response.json()["balance"] != "7.00":
                leaks.append(f"{label} {response.json()}")
    assert leaks == []
    assert _snapshot(victim) == before


def test_the_owner_reaches_the_same_objects(victim, stock_api) -> None:
    """The control: the same paths answer the owner, so the 404s above are isolation."""
    for name in ("api-order", "api-esim", "api-webhook-endpoint", "api-webhook-delivery"):
        (case, *_) = cases(victim)[name]
        assert _call(stock_api, case).status_code == 200, name
