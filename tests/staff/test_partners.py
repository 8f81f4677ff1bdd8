"""Partner pages: who sees which partner, and every write audited with its reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coreesim.staff.choices import Role
from coreesim.staff.models import AuditLog
from partners.choices import PartnerStatus
from partners.models import ApiKey, Partner
from partners.services import api_key_authenticate, partner_balance, partner_can_sell
from partners.staff.access import account_manager_assign
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import PlanFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMINISTRATOR, 200),
        (Role.SUPPORT, 200),
        (Role.FINANCE, 200),
        (Role.ACCOUNT_MANAGER, 200),
        (Role.INVENTORY, 403),
    ],
)
def test_partner_list_per_role(make_staff, client_for, role, status):
    assert client_for(make_staff(role)).get("/staff/partners/").status_code == status


def test_an_account_manager_sees_only_assigned_partners(make_staff, client_for):
    mine, other = PartnerFactory(name="Mine"), PartnerFactory(name="Other")
    manager = make_staff(Role.ACCOUNT_MANAGER)
    account_manager_assign(partner=mine, user=manager)
    client = client_for(manager)
    listed = [p.pk for p in client.get("/staff/partners/").context["page"].items]
    assert listed == [mine.pk]
    assert client.get(f"/staff/partners/{mine.pk}/").status_code == 200
    assert client.get(f"/staff/partners/{other.pk}/").status_code == 404


def test_support_sees_every_partner(make_staff, client_for):
    PartnerFactory(), PartnerFactory()
    page = client_for(make_staff(Role.SUPPORT)).get("/staff/partners/").context["page"]
    assert len(page.items) == 2


def test_an_administrator_creates_a_partner_and_it_is_audited(make_staff, client_for):
    admin = make_staff(Role.ADMINISTRATOR)
    response = client_for(admin).post(
        "/staff/partners/new/",
        {"name": "Travel Co", "slug": "travelco", "currency": "eur", "credit_limit": "0"},
    )
    partner = Partner.objects.get(slug="travelco")
    assert response["Location"] == f"/staff/partners/{partner.pk}/"
    assert partner.currency == "EUR"
    entry = AuditLog.objects.get(action="partner.create")
    assert (entry.actor, entry.object_id) == (admin, str(partner.pk))


def test_support_cannot_create_partners(make_staff, client_for):
    client = client_for(make_staff(Role.SUPPORT))
    assert client.post("/staff/partners/new/", {"name": "x", "slug": "x"}).status_code == 403


def test_suspending_a_partner_needs_a_reason(make_staff, client_for):
    partner = PartnerFactory()
    client = client_for(make_staff(Role.ADMINISTRATOR))
    response = client.post(f"/staff/partners/{partner.pk}/status/", {"reason": " "})
    assert response.status_code == 200
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.ACTIVE
    assert not AuditLog.objects.filter(action="partner.suspend").exists()


def test_suspending_a_partner_with_a_reason_is_audited_before_and_after(make_staff, client_for):
    partner = PartnerFactory()
    client = client_for(make_staff(Role.ADMINISTRATOR))
    client.post(f"/staff/partners/{partner.pk}/status/", {"reason": "unpaid invoices"})
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.SUSPENDED
    entry = AuditLog.objects.get(action="partner.suspend")
    assert (entry.before, entry.after, entry.reason) == (
        {"status": "active"},
        {"status": "suspended"},
        "unpaid invoices",
    )


def test_a_new_api_key_is_shown_once_and_works(make_staff, client_for):
    partner = PartnerFactory()
    client = client_for(make_staff(Role.ADMINISTRATOR))
    response = client.post(
        f"/staff/partners/{partner.pk}/keys/new/", {"name": "prod", "scopes": ["read"]}
    )
    plaintext = response.context["secret"]
    assert plaintext.startswith("cesk_")
    assert api_key_authenticate(presented=plaintext, ip=None) is not None
    detail = client.get(f"/staff/partners/{partner.pk}/").content.decode()
    assert plaintext not in detail
    assert plaintext.split(".")[1] not in str(
        AuditLog.objects.get(action="partner.api_key_create").after
    )


def test_revoking_a_key_stops_it(make_staff, client_for):
    partner = PartnerFactory()
    client = client_for(make_staff(Role.ADMINISTRATOR))
    plaintext = client.post(
        f"/staff/partners/{partner.pk}/keys/new/", {"scopes": ["read"]}
    ).context["secret"]
    key = ApiKey.objects.get(partner=partner)
    client.post(f"/staff/partners/{partner.pk}/keys/{key.pk}/revoke/", {"reason": "leaked"})
    assert api_key_authenticate(presented=plaintext, ip=None) is None
    assert AuditLog.objects.get(action="partner.api_key_revoke").reason == "leaked"


def test_finance_tops_up_a_balance(make_staff, client_for):
    partner = PartnerFactory()
    client = client_for(make_staff(Role.FINANCE))
    client.post(
        f"/staff/partners/{partner.pk}/top-up/",
        {"amount": "150.00", "reference": "INV-1", "reason": "wire received"},
    )
    assert partner_balance(partner=partner) == Decimal("150.00")
    entry = AuditLog.objects.get(action="partner.top_up")
    assert (entry.before, entry.after["balance"]) == ({"balance": "0.00"}, "150.00")


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.ACCOUNT_MANAGER, Role.INVENTORY])
def test_only_finance_and_administrators_top_up(make_staff, client_for, role):
    partner = PartnerFactory()
    response = client_for(make_staff(role)).post(
        f"/staff/partners/{partner.pk}/top-up/", {"amount": "1", "reason": "x"}
    )
    assert response.status_code == 403
    assert partner_balance(partner=partner) == Decimal("0.00")


def test_finance_sets_plan_access_and_a_price_override(make_staff, client_for):
    partner, plan = PartnerFactory(), PlanFactory()
    client = client_for(make_staff(Role.FINANCE))
    client.post(f"/staff/partners/{partner.pk}/plans/", {"plans": [plan.pk], "reason": "contract"})
    assert partner_can_sell(partner=partner, plan=plan)
    client.post(
        f"/staff/partners/{partner.pk}/prices/",
        {"plan": plan.pk, "price": "3.10", "reason": "volume deal"},
    )
    entry = AuditLog.objects.get(action="partner.price_override")
    assert entry.after == {"plan": plan.code, "price": "3.10"}
    client.post(f"/staff/partners/{partner.pk}/plans/", {"reason": "contract ended"})
    assert not partner_can_sell(partner=partner, plan=plan)


def test_an_administrator_assigns_an_account_manager(make_staff, client_for):
    partner = PartnerFactory()
    manager = make_staff(Role.ACCOUNT_MANAGER)
    client_for(make_staff(Role.ADMINISTRATOR)).post(
        f"/staff/partners/{partner.pk}/account-managers/", {"user": manager.pk}
    )
    page = client_for(manager).get("/staff/partners/").context["page"]
    assert [p.pk for p in page.items] == [partner.pk]


def test_webhook_endpoints_are_created_disabled_rotated_and_deleted_with_reasons(
    make_staff, client_for, settings
):
    from partners.webhooks.models import WebhookEndpoint

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_ALLOW_HTTP = True
    partner = PartnerFactory()
    client = client_for(make_staff(Role.ADMINISTRATOR))
    created = client.post(
        f"/staff/partners/{partner.pk}/webhooks/new/", {"url": "https://hooks.example.com/x"}
    )
    assert created.context["secret"].startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get(partner=partner)
    base = f"/staff/partners/{partner.pk}/webhooks/{endpoint.pk}"
    client.post(f"{base}/disable/", {"reason": "receiver down"})
    endpoint.refresh_from_db()
    assert endpoint.status == "disabled"
    rotated = client.post(f"{base}/rotate/", {"reason": "secret leaked"})
    assert rotated.context["secret"] != created.context["secret"]
    client.post(f"{base}/delete/", {"reason": "partner asked"})
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    actions = list(
        AuditLog.objects.filter(action__startswith="partner.webhook_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "partner.webhook_create",
        "partner.webhook_disable",
        "partner.webhook_rotate",
        "partner.webhook_delete",
    ]
