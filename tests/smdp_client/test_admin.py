"""Staff see servers with their circuit state, the call log, notifications and failure rules."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django_otp.plugins.otp_totp.models import TOTPDevice

from coreesim.staff.models import AuditLog
from smdp_client.models import Es2Notification
from tests.factories.smdp_client import Es2CallFactory, Es2NotificationFactory, SmdpServerFactory
from tests.factories.staff import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for_viewer(db):
    """Staff with only the view permission on notifications, second factor passed."""
    viewer = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_es2notification"))
    TOTPDevice.objects.create(user=viewer, name="phone", confirmed=True)
    return verified_client(viewer)


@pytest.mark.parametrize("page", ["smdpserver", "es2call", "es2notification", "failurerule"])
def test_each_smdp_admin_list_renders(superuser_client, page):
    server = SmdpServerFactory()
    Es2CallFactory(server=server)
    Es2NotificationFactory(server=server, needs_attention=True)

    response = superuser_client.get(f"/admin/smdp_client/{page}/")

    assert response.status_code == 200


def test_the_server_list_shows_the_circuit_state(superuser_client):
    SmdpServerFactory()

    response = superuser_client.get("/admin/smdp_client/smdpserver/")

    assert "Closed, 0 in flight" in response.content.decode()


def test_staff_can_test_a_connection_from_the_list(superuser_client, server, sim):
    response = superuser_client.post(
        "/admin/smdp_client/smdpserver/",
        {"action": "test_connection", "_selected_action": [server.pk]},
        follow=True,
    )

    assert "TLS, HTTP and the ES2+ envelope work" in response.content.decode()


def _run_action(client, page, action, pks):
    return client.post(
        f"/admin/smdp_client/{page}/", {"action": action, "_selected_action": list(pks)}
    )


def test_acknowledging_notifications_is_audited_once_each(superuser_client):
    flagged = Es2NotificationFactory.create_batch(2, needs_attention=True)

    _run_action(superuser_client, "es2notification", "acknowledge", [n.pk for n in flagged])

    assert not Es2Notification.objects.filter(needs_attention=True).exists()
    audited = AuditLog.objects.filter(action="smdp.notification_acknowledged")
    assert sorted(audited.values_list("object_id", flat=True)) == sorted(str(n.pk) for n in flagged)


def test_staff_who_may_only_view_notifications_cannot_acknowledge_them(client_for_viewer):
    flagged = Es2NotificationFactory(needs_attention=True)

    _run_action(client_for_viewer, "es2notification", "acknowledge", [flagged.pk])

    flagged.refresh_from_db()
    assert flagged.needs_attention
    assert not AuditLog.objects.exists()


def test_resetting_a_circuit_is_audited(superuser_client):
    server = SmdpServerFactory()

    _run_action(superuser_client, "smdpserver", "reset_circuit", [server.pk])

    assert AuditLog.objects.get(action="smdp.circuit_reset").object_id == str(server.pk)
