from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from partners.webhooks import services
from partners.webhooks.choices import WebhookEventType
from partners.webhooks.models import WebhookDelivery
from tests.factories.partners import PartnerFactory


@pytest.fixture
def partner(db: None) -> Any:
    return PartnerFactory(support_email="ops@partner.example")


@pytest.fixture
def dev_targets(settings: Any) -> None:
    """Our receivers listen on plain http on 127.0.0.1, which production refuses."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 5.0


@pytest.fixture
def emit_one() -> Callable[[Any], WebhookDelivery]:
    """Emit an order.completed event to a partner with exactly one endpoint: its delivery."""

    def emit(partner: Any) -> WebhookDelivery:
        (delivery,) = services.webhook_event_emit(
            partner_id=partner.pk,
            event_type=WebhookEventType.ORDER_COMPLETED,
            data={"order_id": 1},
        )
        return delivery

    return emit


@pytest.fixture
def internal_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our network's DNS: ``db.corp.example`` is an internal server (10.0.0.5); no other name
    of that domain exists."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "db.corp.example":
            return real("10.0.0.5", port, *args, **kwargs)
        if str(host).endswith(".example"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
