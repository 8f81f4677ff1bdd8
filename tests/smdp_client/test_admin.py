"""Staff see servers with their circuit state, the call log, notifications and failure rules."""

from __future__ import annotations

import pytest

from tests.factories.smdp_client import Es2CallFactory, Es2NotificationFactory, SmdpServerFactory

pytestmark = pytest.mark.django_db


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
