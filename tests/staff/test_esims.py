"""eSIM search, detail timeline and operator actions; orders list, detail and retry."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coreesim.staff.choices import Role
from coreesim.staff.models import AuditLog
from orders.choices import EsimStatus, OrderStatus
from orders.models import ProvisioningJob
from orders.portal import services as portal_services
from orders.portal.choices import EmailKind, EmailStatus
from orders.portal.models import TravelerEmail
from orders.services import order_place, orders_resolve_stuck
from partners.services import partner_balance
from partners.staff.access import account_manager_assign
from profiles.choices import ProfileState
from smdp_client.choices import NotificationState
from smdp_client.models import Es2Notification
from tests.factories.orders import make_delivered_esim, make_stock
from tests.factories.smdp_client import Es2NotificationFactory

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


def test_a_reference_in_non_ascii_digits_is_searched_as_a_reference_not_an_iccid(
    make_staff, client_for, esim
):
    esim.order.reference = "٨٩٤٤" * 5
    esim.order.save()

    response = client_for(make_staff(Role.SUPPORT)).get(
        "/staff/orders/esims/", {"q": esim.order.reference}
    )

    assert response["Location"] == f"/staff/orders/esims/{esim.pk}/"


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


def test_retiring_an_esim_still_provisioning_shows_why_and_changes_nothing(make_staff, client_for):
    stock = make_stock(profiles=1, price=Decimal("5.00"), balance=Decimal("100"))
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="p"
    )
    esim = order.esims.get()

    response = client_for(make_staff(Role.ADMINISTRATOR)).post(
        f"/staff/orders/esims/{esim.pk}/retire/", {"reason": "traveler gave up"}
    )

    assert response.status_code == 200
    assert b"only a delivered or expired eSIM can be retired" in response.content
    esim.refresh_from_db()
    assert esim.status == EsimStatus.PROVISIONING
    assert esim.profile.state == ProfileState.RESERVED
    assert partner_balance(partner=stock.partner) == Decimal("95.00")
    assert not AuditLog.objects.filter(action="esim.retire").exists()


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
    client_for(make_staff(Role.SUPPORT)).post(
        f"/staff/orders/{order.pk}/retry/", {"reason": "worker was down"}
    )
    assert ProvisioningJob.objects.filter(order=order).count() == before + 1
    assert AuditLog.objects.filter(action="order.retry", object_id=str(order.pk)).exists()


@pytest.fixture
def failed_order():
    stock = make_stock(profiles=2, price=Decimal("5.00"), balance=Decimal("100"))
    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="given-up"
    )
    orders_resolve_stuck(now=timezone.now() + timedelta(hours=7))
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    return order


def test_support_retries_a_failed_order_with_a_reason_and_it_is_charged_again(
    make_staff, client_for, failed_order
):
    client = client_for(make_staff(Role.SUPPORT))
    page = client.get(f"/staff/orders/{failed_order.pk}/")
    assert page.context["can_retry"]
    confirm = client.get(f"/staff/orders/{failed_order.pk}/retry/")
    assert b"charged 5.00 USD each again" in confirm.content

    response = client.post(f"/staff/orders/{failed_order.pk}/retry/", {"reason": "SM-DP+ back"})

    assert response["Location"] == f"/staff/orders/{failed_order.pk}/"
    failed_order.refresh_from_db()
    assert failed_order.status == OrderStatus.PROVISIONING
    assert failed_order.esims.get().status == EsimStatus.PROVISIONING
    assert partner_balance(partner=failed_order.partner) == Decimal("95.00")
    entry = AuditLog.objects.get(action="order.retry")
    assert entry.reason == "SM-DP+ back"
    assert entry.before["status"] == OrderStatus.FAILED
    assert entry.after["resumed"] == [failed_order.esims.get().iccid]


def test_a_retry_without_a_reason_changes_nothing(make_staff, client_for, failed_order):
    client = client_for(make_staff(Role.SUPPORT))
    response = client.post(f"/staff/orders/{failed_order.pk}/retry/", {"reason": ""})
    assert response.status_code == 200
    assert failed_order.esims.get().status == EsimStatus.FAILED
    assert not AuditLog.objects.filter(action="order.retry").exists()


@pytest.mark.parametrize("role", [Role.FINANCE, Role.INVENTORY, Role.ACCOUNT_MANAGER])
def test_roles_without_retry_rights_may_not_retry(make_staff, client_for, failed_order, role):
    user = make_staff(role)
    account_manager_assign(partner=failed_order.partner, user=user)
    response = client_for(user).post(f"/staff/orders/{failed_order.pk}/retry/", {"reason": "x"})
    assert response.status_code == 403
    assert failed_order.esims.get().status == EsimStatus.FAILED


def test_support_resyncs_an_esim_and_the_audit_row_says_what_changed(make_staff, client_for, esim):
    note = Es2NotificationFactory(
        server=esim.profile.pool.smdp_server, iccid=esim.iccid, notification_point_id=4
    )
    Es2Notification.objects.filter(pk=note.pk).update(state=NotificationState.NOT_APPLICABLE)
    user = make_staff(Role.SUPPORT)
    client = client_for(user)
    assert b"Resync from SM-DP+" in client.get(f"/staff/orders/esims/{esim.pk}/").content

    response = client.post(
        f"/staff/orders/esims/{esim.pk}/resync/", {"reason": "traveler installed it"}, follow=True
    )

    esim.profile.refresh_from_db()
    assert esim.profile.state == ProfileState.INSTALLED
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Resync: profile released → installed") for m in shown)
    entry = AuditLog.objects.get(action="esim.resync")
    assert (entry.actor, entry.reason) == (user, "traveler installed it")
    assert entry.before["profile_state"] == ProfileState.RELEASED
    assert entry.after["profile_state"] == ProfileState.INSTALLED
    assert entry.after["changes"]


def test_resync_of_an_esim_in_step_says_so_and_is_still_audited(make_staff, client_for, esim):
    client = client_for(make_staff(Role.ADMINISTRATOR))
    response = client.post(
        f"/staff/orders/esims/{esim.pk}/resync/", {"reason": "check"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Resync: already in step."]
    assert AuditLog.objects.get(action="esim.resync").after["changes"] == []


def test_resync_needs_a_reason(make_staff, client_for, esim):
    client = client_for(make_staff(Role.SUPPORT))
    response = client.post(f"/staff/orders/esims/{esim.pk}/resync/", {"reason": ""})
    assert response.status_code == 200
    assert not AuditLog.objects.filter(action="esim.resync").exists()


@pytest.mark.parametrize("role", [Role.FINANCE, Role.INVENTORY, Role.ACCOUNT_MANAGER])
def test_roles_without_operate_rights_may_not_resync(make_staff, client_for, esim, role):
    user = make_staff(role)
    account_manager_assign(partner=esim.order.partner, user=user)
    response = client_for(user).post(f"/staff/orders/esims/{esim.pk}/resync/", {"reason": "x"})
    assert response.status_code == 403
    assert not AuditLog.objects.filter(action="esim.resync").exists()


def test_order_detail_lists_its_esims(make_staff, client_for, esim):
    response = client_for(make_staff(Role.FINANCE)).get(f"/staff/orders/{esim.order_id}/")
    assert [e.pk for e in response.context["esims"]] == [esim.pk]


def _failed_ready_email(esim):
    esim.order.traveler_email = "ann@example.com"
    esim.order.save()
    portal_services.access_token_issue(esim=esim)
    return TravelerEmail.objects.create(
        esim=esim,
        kind=EmailKind.ESIM_READY,
        occasion=esim.iccid,
        recipient="ann@example.com",
        language="en",
        status=EmailStatus.FAILED,
        attempts=29,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )


def test_support_resends_a_failed_email_with_a_reason_and_it_is_delivered(
    make_staff, client_for, esim, mailoutbox
):
    email = _failed_ready_email(esim)
    user = make_staff(Role.SUPPORT)
    client = client_for(user)
    page = client.get(f"/staff/orders/esims/{esim.pk}/resend_emails/")
    assert b"Send this eSIM&#x27;s failed traveler emails again?" in page.content

    response = client.post(
        f"/staff/orders/esims/{esim.pk}/resend_emails/", {"reason": "mail server fixed"}
    )

    assert response["Location"] == f"/staff/orders/esims/{esim.pk}/"
    entry = AuditLog.objects.get(action="esim.resend_emails")
    assert (entry.actor, entry.reason, entry.object_id) == (user, "mail server fixed", str(esim.pk))
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 0)
    portal_services.traveler_email_deliver(email_id=email.pk)
    assert mailoutbox[0].to == ["ann@example.com"]
    assert "TEST-MATCHING-ID" in mailoutbox[0].body


def test_resending_when_no_email_failed_says_so_and_changes_nothing(make_staff, client_for, esim):
    response = client_for(make_staff(Role.SUPPORT)).post(
        f"/staff/orders/esims/{esim.pk}/resend_emails/", {"reason": "traveler asked"}
    )
    assert response.status_code == 200
    assert b"This eSIM has no failed traveler email to resend." in response.content
    assert not AuditLog.objects.filter(action="esim.resend_emails").exists()


def test_resending_emails_needs_a_reason(make_staff, client_for, esim):
    email = _failed_ready_email(esim)
    response = client_for(make_staff(Role.SUPPORT)).post(
        f"/staff/orders/esims/{esim.pk}/resend_emails/", {"reason": ""}
    )
    assert response.status_code == 200
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert not AuditLog.objects.filter(action="esim.resend_emails").exists()


@pytest.mark.parametrize("role", [Role.FINANCE, Role.ACCOUNT_MANAGER])
def test_roles_without_operate_rights_may_not_resend_emails(make_staff, client_for, esim, role):
    user = make_staff(role)
    account_manager_assign(partner=esim.order.partner, user=user)
    response = client_for(user).post(
        f"/staff/orders/esims/{esim.pk}/resend_emails/", {"reason": "x"}
    )
    assert response.status_code == 403
