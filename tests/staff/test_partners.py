"""Partner pages: who sees which partner, and every write audited with its reason."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

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


def test_a_redelivery_while_an_attempt_is_in_flight_is_refused_and_not_audited(
    make_staff, client_for
):
    from partners.webhooks.models import WebhookDelivery
    from partners.webhooks.services import webhook_endpoint_create, webhook_event_emit

    partner = PartnerFactory()
    webhook_endpoint_create(partner=partner, url="https://hooks.example.com/x")
    (delivery,) = webhook_event_emit(partner_id=partner.pk, event_type="order.completed", data={})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        leased_until=timezone.now() + timedelta(minutes=1)
    )
    client = client_for(make_staff(Role.ADMINISTRATOR))
    response = client.post(
        f"/staff/partners/{partner.pk}/deliveries/{delivery.pk}/redeliver/",
        {"reason": "receiver fixed"},
        follow=True,
    )
    (message,) = response.context["messages"]
    assert "in progress" in str(message)
    assert not AuditLog.objects.filter(action="partner.webhook_redeliver").exists()


@pytest.fixture
def failed_delivery(settings):
    from partners.webhooks.models import WebhookDelivery
    from partners.webhooks.services import webhook_endpoint_create, webhook_endpoint_test

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    endpoint, _ = webhook_endpoint_create(
        partner=PartnerFactory(), url="https://hooks.example.com/x"
    )
    delivery = webhook_endpoint_test(endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None)
    return delivery


def test_redelivery_asks_for_a_reason_and_without_one_changes_nothing(
    make_staff, client_for, failed_delivery
):
    client = client_for(make_staff(Role.ADMINISTRATOR))
    url = f"/staff/partners/{failed_delivery.partner_id}/deliveries/{failed_delivery.pk}/redeliver/"
    assert b'name="reason"' in client.get(url).content

    response = client.post(url, {"reason": ""})

    assert response.status_code == 200
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == "failed"
    assert not AuditLog.objects.filter(action="partner.webhook_redeliver").exists()


def test_redelivery_with_a_reason_queues_the_delivery_and_audits_the_reason(
    make_staff, client_for, failed_delivery
):
    client = client_for(make_staff(Role.ADMINISTRATOR))
    url = f"/staff/partners/{failed_delivery.partner_id}/deliveries/{failed_delivery.pk}/redeliver/"

    response = client.post(url, {"reason": "receiver fixed, ticket 7"})

    assert response["Location"] == f"/staff/partners/{failed_delivery.partner_id}/"
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == "pending"
    entry = AuditLog.objects.get(action="partner.webhook_redeliver")
    assert entry.reason == "receiver fixed, ticket 7"


def _profile_form(**overrides):
    data = {
        "name": "Travel Co",
        "display_name": "TravelCo eSIM",
        "support_email": "help@travelco.test",
        "support_url": "",
        "support_phone": "",
        "logo_url": "",
        "brand_colour": "#0b5fff",
        "reason": "rebrand",
    }
    return {**data, **overrides}


def test_an_administrator_edits_the_partner_profile_and_the_change_is_audited(
    make_staff, client_for
):
    partner = PartnerFactory(name="Old name")
    response = client_for(make_staff(Role.ADMINISTRATOR)).post(
        f"/staff/partners/{partner.pk}/edit/", _profile_form()
    )
    assert response["Location"] == f"/staff/partners/{partner.pk}/"
    partner.refresh_from_db()
    assert (partner.name, partner.display_name, partner.brand_colour) == (
        "Travel Co",
        "TravelCo eSIM",
        "#0b5fff",
    )
    assert partner.support_email == "help@travelco.test"
    entry = AuditLog.objects.get(action="partner.edit")
    assert entry.before["name"] == "Old name"
    assert entry.after["name"] == "Travel Co"
    assert entry.reason == "rebrand"


def test_a_bad_brand_colour_changes_nothing(make_staff, client_for):
    partner = PartnerFactory(name="Same")
    response = client_for(make_staff(Role.ADMINISTRATOR)).post(
        f"/staff/partners/{partner.pk}/edit/", _profile_form(brand_colour="blue")
    )
    assert response.status_code == 200
    assert "Use a #rrggbb colour." in response.content.decode()
    partner.refresh_from_db()
    assert partner.name == "Same"
    assert not AuditLog.objects.filter(action="partner.edit").exists()


@pytest.mark.parametrize(
    ("role", "page", "status"),
    [
        (Role.FINANCE, "edit", 403),
        (Role.SUPPORT, "edit", 403),
        (Role.ACCOUNT_MANAGER, "edit", 403),
        (Role.FINANCE, "credit", 200),
        (Role.ADMINISTRATOR, "credit", 200),
        (Role.SUPPORT, "credit", 403),
        (Role.ACCOUNT_MANAGER, "credit", 403),
    ],
)
def test_partner_edit_pages_per_role(make_staff, client_for, role, page, status):
    partner = PartnerFactory()
    user = make_staff(role)
    account_manager_assign(partner=partner, user=user)
    assert client_for(user).get(f"/staff/partners/{partner.pk}/{page}/").status_code == status


def test_finance_changes_the_credit_limit_with_a_reason(make_staff, client_for):
    partner = PartnerFactory(balance=Decimal("10"))
    response = client_for(make_staff(Role.FINANCE)).post(
        f"/staff/partners/{partner.pk}/credit/",
        {"credit_limit": "250.00", "currency": "USD", "reason": "signed contract"},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.credit_limit == Decimal("250.00")
    entry = AuditLog.objects.get(action="partner.credit")
    assert (entry.before, entry.after) == ({"credit_limit": "0.00"}, {"credit_limit": "250.00"})


def test_the_currency_can_change_while_the_ledger_is_empty(make_staff, client_for):
    partner = PartnerFactory()
    client_for(make_staff(Role.FINANCE)).post(
        f"/staff/partners/{partner.pk}/credit/",
        {"credit_limit": "0", "currency": "eur", "reason": "contract in euros"},
    )
    partner.refresh_from_db()
    assert partner.currency == "EUR"


def test_the_currency_is_read_only_once_the_ledger_has_entries(make_staff, client_for):
    partner = PartnerFactory(balance=Decimal("10"))
    client = client_for(make_staff(Role.FINANCE))
    page = client.get(f"/staff/partners/{partner.pk}/credit/")
    assert page.context["form"].fields["currency"].disabled
    client.post(
        f"/staff/partners/{partner.pk}/credit/",
        {"credit_limit": "0", "currency": "EUR", "reason": "try anyway"},
    )
    partner.refresh_from_db()
    assert partner.currency == "USD"
    assert not AuditLog.objects.filter(action="partner.credit").exists()


def test_the_service_refuses_a_currency_change_with_money_booked():
    from partners.services import PartnerEditRefused, partner_update

    partner = PartnerFactory(balance=Decimal("10"))
    with pytest.raises(PartnerEditRefused):
        partner_update(partner=partner, currency="EUR")
    partner.refresh_from_db()
    assert partner.currency == "USD"
