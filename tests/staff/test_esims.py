"""eSIM search, detail timeline and operator actions; orders list, detail and retry."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coreesim.staff.choices import Role
from coreesim.staff.models import AuditLog
from orders.choices import OrderStatus
from orders.models import ProvisioningJob
from partners.staff.access import account_manager_assign
from profiles.choices import ProfileState
from tests.factories.orders import make_delivered_esim, make_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def esim():
    return make_delivered_esim(
        make_stock(profiles=3, price=Decimal("5.00"), balance=Decimal("100"))
    )


def test_searching_a_full_iccid_opens_that_esim(make_staff, client_for, esim):
    response = client_for(make_staff(Role.SUPPORT)).get("/staff/orders/esims/", {"q": esim.iccid})
    assert response["Location"] == f"/staff/orders/esims/{esim.pk}/"


def test_search_finds_by_traveler_email_and_order_number(make_staff, client_for, esim):
    esim.order.traveler_email = "ann@example.com"
    esim.order.save()
    client = client_for(make_staff(Role.SUPPORT))
    for q in ("ann@example.com", str(esim.order_id)):
        response = client.get("/staff/orders/esims/", {"q": q})
        assert response["Location"] == f"/staff/orders/esims/{esim.pk}/", q


def test_an_unsold_profile_is_found_by_its_iccid(make_staff, client_for, esim):
    from profiles.models import Profile

    spare = Profile.objects.filter(state=ProfileState.AVAILABLE).first()
    response = client_for(make_staff(Role.SUPPORT)).get("/staff/orders/esims/", {"q": spare.iccid})
    assert [p.pk for p in response.context["profiles"]] == [spare.pk]


def test_support_suspends_with_a_reason_and_the_audit_and_timeline_show_it(
    make_staff, client_for, esim
):
    user = make_staff(Role.SUPPORT)
    client = client_for(user)
    page = client.get(f"/staff/orders/esims/{esim.pk}/suspend/")
    assert b"Suspend this eSIM?" in page.content
    response = client.post(f"/staff/orders/esims/{esim.pk}/suspend/", {"reason": "lost phone"})
    assert response["Location"] == f"/staff/orders/esims/{esim.pk}/"
    esim.profile.refresh_from_db()
    assert esim.profile.state == ProfileState.SUSPENDED
    entry = AuditLog.objects.get(action="esim.suspend")
    assert (entry.actor, entry.reason, entry.object_id) == (user, "lost phone", str(esim.pk))
    assert entry.before["profile_state"] == ProfileState.RELEASED
    assert entry.after["profile_state"] == ProfileState.SUSPENDED
    titles = [t.title for t in client.get(f"/staff/orders/esims/{esim.pk}/").context["timeline"]]
    assert "released → suspended" in titles
    assert any(t.startswith("Staff esim.suspend") for t in titles)


def test_an_action_without_a_reason_changes_nothing(make_staff, client_for, esim):
    client = client_for(make_staff(Role.SUPPORT))
    response = client.post(f"/staff/orders/esims/{esim.pk}/suspend/", {"reason": ""})
    assert response.status_code == 200
    esim.profile.refresh_from_db()
    assert esim.profile.state == ProfileState.RELEASED
    assert not AuditLog.objects.filter(action="esim.suspend").exists()


def test_resume_after_suspend_restores_the_state(make_staff, client_for, esim):
    client = client_for(make_staff(Role.SUPPORT))
    client.post(f"/staff/orders/esims/{esim.pk}/suspend/", {"reason": "fraud check"})
    client.post(f"/staff/orders/esims/{esim.pk}/resume/", {"reason": "cleared"})
    esim.profile.refresh_from_db()
    assert esim.profile.state == ProfileState.RELEASED


@pytest.mark.parametrize("action", ["cancel", "retire"])
def test_support_may_not_end_an_esim(make_staff, client_for, esim, action):
    response = client_for(make_staff(Role.SUPPORT)).post(
        f"/staff/orders/esims/{esim.pk}/{action}/", {"reason": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.FINANCE, Role.ACCOUNT_MANAGER])
def test_roles_without_operate_rights_may_not_suspend(make_staff, client_for, esim, role):
    user = make_staff(role)
    account_manager_assign(partner=esim.order.partner, user=user)
    response = client_for(user).post(f"/staff/orders/esims/{esim.pk}/suspend/", {"reason": "x"})
    assert response.status_code == 403


def test_an_account_manager_sees_only_esims_of_assigned_partners(make_staff, client_for, esim):
    manager = make_staff(Role.ACCOUNT_MANAGER)
    client = client_for(manager)
    assert client.get(f"/staff/orders/esims/{esim.pk}/").status_code == 404
    assert client.get("/staff/orders/esims/", {"q": esim.iccid}).context["esims"] == []
    account_manager_assign(partner=esim.order.partner, user=manager)
    assert client.get(f"/staff/orders/esims/{esim.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.SUPPORT, 200),
        (Role.FINANCE, 200),
        (Role.ACCOUNT_MANAGER, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.INVENTORY, 403),
    ],
)
def test_order_list_per_role(make_staff, client_for, role, status):
    assert client_for(make_staff(role)).get("/staff/orders/").status_code == status


def test_orders_filter_by_status(make_staff, client_for, esim):
    client = client_for(make_staff(Role.SUPPORT))
    completed = client.get("/staff/orders/", {"status": OrderStatus.COMPLETED}).context["page"]
    failed = client.get("/staff/orders/", {"status": OrderStatus.FAILED}).context["page"]
    assert [o.pk for o in completed.items] == [esim.order_id]
    assert list(failed.items) == []


def test_retry_rings_provisioning_again_for_a_stuck_order(make_staff, client_for, esim):
    order = esim.order
    order.status = OrderStatus.PROVISIONING
    order.save()
    before = ProvisioningJob.objects.filter(order=order).count()
    client_for(make_staff(Role.SUPPORT)).post(f"/staff/orders/{order.pk}/retry/")
    assert ProvisioningJob.objects.filter(order=order).count() == before + 1
    assert AuditLog.objects.filter(action="order.retry", object_id=str(order.pk)).exists()


def test_order_detail_lists_its_esims(make_staff, client_for, esim):
    response = client_for(make_staff(Role.FINANCE)).get(f"/staff/orders/{esim.order_id}/")
    assert [e.pk for e in response.context["esims"]] == [esim.pk]
