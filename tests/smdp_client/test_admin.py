"""Staff see servers with their circuit state, the call log, notifications and failure rules."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories.smdp_client import Es2CallFactory, Es2NotificationFactory, SmdpServerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db) -> Client:
    """A superuser whose session passed the second factor (the staff middleware asks for it)."""
    user = get_user_model().objects.create_user(
        username="es2-admin", password="x" * 20, is_staff=True, is_superuser=True
    )
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.mark.parametrize("page", ["smdpserver", "es2call", "es2notification", "failurerule"])
def test_each_smdp_admin_list_renders(admin_client, page):
    server = SmdpServerFactory()
    Es2CallFactory(server=server)
    Es2NotificationFactory(server=server, needs_attention=True)

    response = admin_client.get(f"/admin/smdp_client/{page}/")

    assert response.status_code == 200


def test_the_server_list_shows_the_circuit_state(admin_client):
    SmdpServerFactory()

    response = admin_client.get("/admin/smdp_client/smdpserver/")

    assert "Closed, 0 in flight" in response.content.decode()


def test_staff_can_test_a_connection_from_the_list(admin_client, server, sim):
    response = admin_client.post(
        "/admin/smdp_client/smdpserver/",
        {"action": "test_connection", "_selected_action": [server.pk]},
        follow=True,
    )

    assert "TLS, HTTP and the ES2+ envelope work" in response.content.decode()
