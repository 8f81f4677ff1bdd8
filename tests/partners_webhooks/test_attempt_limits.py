"""Every attempt ends by its deadline and is logged, whatever the receiver or the worker does."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from datetime import timedelta

import pytest
from billiard.pool import SIG_SOFT_TIMEOUT, soft_timeout_sighandler
from django.utils import timezone

from partners.webhooks import services
from partners.webhooks.choices import DeliveryStatus
from tests.partners_webhooks.receiver import webhook_receiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dev_targets")]


def test_a_receiver_dripping_its_answer_is_cut_off_at_the_deadline(
    emit_one, partner, settings
) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    with webhook_receiver() as receiver:
        receiver.drip = 3.0
        services.webhook_endpoint_create(partner=partner, url=receiver.url)
        delivery = emit_one(partner)
        started = time.monotonic()
        attempt = services.webhook_deliver(delivery_id=delivery.pk)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5
    assert attempt is not None
    assert not attempt.succeeded
    assert attempt.error == "ReadTimeout: no complete answer within 0.5 s"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at < timezone.now() + timedelta(seconds=10)


def test_celerys_soft_time_limit_during_an_attempt_is_logged_as_a_failed_attempt(
    emit_one,
    partner,
) -> None:
    """The worker's soft time limit arrives as a signal whose handler raises in the task."""
    previous = signal.signal(SIG_SOFT_TIMEOUT, soft_timeout_sighandler)
    limit = threading.Timer(0.3, os.kill, (os.getpid(), SIG_SOFT_TIMEOUT))
    try:
        with webhook_receiver() as receiver:
            receiver.delay = 3.0
            services.webhook_endpoint_create(partner=partner, url=receiver.url)
            delivery = emit_one(partner)
            limit.start()
            attempt = services.webhook_deliver(delivery_id=delivery.pk)
    finally:
        limit.cancel()
        signal.signal(SIG_SOFT_TIMEOUT, previous)
    assert attempt is not None
    assert not attempt.succeeded
    assert attempt.error.startswith("SoftTimeLimitExceeded")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempt_count == 1
    assert delivery.leased_until is None


@pytest.fixture
def dns_for_buecher(monkeypatch):
    """``xn--bcher-kva.example`` (``bücher.example``) resolves to this machine; nothing else of
    that domain resolves, so the test proves which spelling was looked up."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "xn--bcher-kva.example":
            return real("127.0.0.1", port, *args, **kwargs)
        if "example" in str(host):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_an_idn_host_is_resolved_and_called_by_its_punycode_name(
    emit_one, partner, dns_for_buecher
) -> None:
    with webhook_receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        services.webhook_endpoint_create(partner=partner, url=f"http://bücher.example:{port}/h")
        delivery = emit_one(partner)
        attempt = services.webhook_deliver(delivery_id=delivery.pk)
    assert attempt is not None
    assert attempt.succeeded
    assert receiver.requests[0].headers["host"] == f"xn--bcher-kva.example:{port}"


def test_a_host_name_with_no_idna_form_is_refused_when_the_endpoint_is_saved(partner) -> None:
    with pytest.raises(services.WebhookUrlRefused, match="not a valid domain name"):
        services.webhook_endpoint_create(partner=partner, url=f"https://{'ü' * 64}.example/h")
