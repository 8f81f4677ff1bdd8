"""Traveler emails from the orders app's domain events, sent by a real Celery worker."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from orders.choices import UsageEventKind
from orders.models import Esim
from orders.portal import services
from orders.portal.choices import EmailKind, EmailStatus
from orders.portal.emails import QR_CONTENT_ID
from orders.portal.models import EsimAccessToken, TravelerEmail
from orders.portal.tasks import traveler_email_sweep
from orders.signals import esim_released, usage_threshold_reached
from tests.portal.mail_parts import decode_cid_qr, parse, text_of

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for_outbox(count: int, timeout: float = 20.0) -> None:
    """The worker runs in a thread of this process; wait until it has sent ``count`` emails."""
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mail.outbox) >= count, f"{len(mail.outbox)} of {count} emails sent"


@pytest.mark.worker
def test_released_esim_gets_a_ready_email_whose_cid_qr_scans_to_the_code(celery_worker, ready_esim):
    esim_released.send_robust(sender=None, esim=ready_esim.esim)
    _wait_for_outbox(1)
    parsed = parse(mail.outbox[0])
    assert mail.outbox[0].to == [ready_esim.traveler_email]
    assert decode_cid_qr(parsed, QR_CONTENT_ID) == ready_esim.activation_code
    text, html = text_of(parsed, "text/plain"), text_of(parsed, "text/html")
    for body in (text, html):
        assert ready_esim.matching_id in body
        assert ready_esim.smdp_address in body
        assert "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=" in body
        assert ready_esim.path in body
    assert f"cid:{QR_CONTENT_ID}" in html
    email = TravelerEmail.objects.get(esim=ready_esim.esim, kind=EmailKind.ESIM_READY)
    _wait_for_attempts(email, 1)
    assert email.status == EmailStatus.SENT


@pytest.mark.worker
def test_a_repeated_release_event_sends_one_email(celery_worker, ready_esim):
    esim_released.send_robust(sender=None, esim=ready_esim.esim)
    esim_released.send_robust(sender=None, esim=ready_esim.esim)
    _wait_for_outbox(1)
    time.sleep(0.5)
    assert len(mail.outbox) == 1


@pytest.mark.worker
@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (UsageEventKind.DATA_80, "You have used 80% of your data"),
        (UsageEventKind.EXPIRES_1D, "Your eSIM expires tomorrow"),
    ],
)
def test_thresholds_send_their_email(celery_worker, ready_esim, kind, subject):
    ready_esim.set_usage(used_mb=8000)
    usage_threshold_reached.send_robust(sender=None, esim=ready_esim.esim, kind=kind)
    _wait_for_outbox(1)
    message = mail.outbox[0]
    assert message.subject.startswith(subject)
    assert ready_esim.path in message.body
    assert ready_esim.matching_id not in message.body


def test_thresholds_without_an_email_send_nothing(ready_esim):
    usage_threshold_reached.send_robust(
        sender=None, esim=ready_esim.esim, kind=UsageEventKind.DATA_50
    )
    assert not TravelerEmail.objects.exists()


@pytest.mark.worker
def test_emails_follow_the_language_the_traveler_chose(celery_worker, ready_esim):
    services.access_token_issue(esim=ready_esim.esim)
    EsimAccessToken.objects.filter(esim=ready_esim.esim).update(language="fr")
    esim_released.send_robust(sender=None, esim=ready_esim.esim)
    _wait_for_outbox(1)
    assert mail.outbox[0].subject.startswith("Votre eSIM est prête")
    assert "Code d'activation" in mail.outbox[0].body


def test_an_order_without_traveler_email_queues_nothing(ready_esim):
    ready_esim.clear_traveler_email()
    assert services.traveler_email_queue(esim=ready_esim.esim, kind=EmailKind.ESIM_READY) is None


# A mail server that refuses connections: nothing listens on the discard port.
mail_server_down = override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,
    EMAIL_TIMEOUT=2,
)


def _pending_email(ready_esim) -> TravelerEmail:
    services.access_token_issue(esim=ready_esim.esim)
    return TravelerEmail.objects.create(
        esim=ready_esim.esim, kind=EmailKind.ESIM_READY, recipient="t@example.com", language="en"
    )


def _wait_for_attempts(email: TravelerEmail, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.attempts >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{email.attempts} of {count} attempts made")


@mail_server_down
def test_a_mail_server_failure_is_recorded_and_the_next_attempt_scheduled_a_minute_later(
    ready_esim,
):
    email = _pending_email(ready_esim)
    before = timezone.now()
    services.traveler_email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at >= before + timedelta(minutes=1)


@pytest.mark.worker
def test_an_email_that_failed_while_the_mail_server_was_down_is_sent_once_it_is_back(
    celery_worker, ready_esim
):
    with mail_server_down:
        email = services.traveler_email_queue(esim=ready_esim.esim, kind=EmailKind.ESIM_READY)
        _wait_for_attempts(email, 1)
    assert email.status == EmailStatus.PENDING
    TravelerEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    traveler_email_sweep.delay()
    _wait_for_outbox(1)
    _wait_for_attempts(email, 2)
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert mail.outbox[0].to == [ready_esim.traveler_email]


@mail_server_down
def test_the_sweep_leaves_an_email_alone_until_its_scheduled_retry_is_due(ready_esim):
    email = _pending_email(ready_esim)
    services.traveler_email_deliver(email_id=email.pk)
    assert traveler_email_sweep() == 0


def test_the_sweep_rings_for_a_due_email_once_not_again_at_its_next_run(ready_esim):
    email = _pending_email(ready_esim)
    assert traveler_email_sweep() == 1
    assert traveler_email_sweep() == 0
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING


def test_the_sweep_rings_again_for_an_email_whose_doorbell_was_lost(ready_esim):
    email = services.traveler_email_queue(esim=ready_esim.esim, kind=EmailKind.ESIM_READY)
    assert traveler_email_sweep() == 0
    later = timezone.now() + services.OUTBOX_GRACE
    assert services.traveler_email_due_claim(now=later) == [email.pk]


def test_retries_wait_from_a_minute_doubling_to_an_hour_and_stop_after_a_day():
    waits = [services.email_retry_delay(n) for n in range(1, 29)]
    minutes = [w.total_seconds() / 60 for w in waits]
    assert minutes[:8] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert set(minutes[6:]) == {60}
    assert timedelta(hours=23) < sum(waits, timedelta(0)) <= timedelta(hours=24)
    assert services.email_retry_delay(29) is None


@mail_server_down
def test_an_email_is_failed_only_once_its_day_of_retries_is_used_up(ready_esim):
    email = _pending_email(ready_esim)
    for _ in range(28):
        services.traveler_email_deliver(email_id=email.pk)
        email.refresh_from_db()
        assert email.status == EmailStatus.PENDING
    services.traveler_email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 29)
    assert traveler_email_sweep() == 0


def test_a_sent_email_is_not_sent_again(ready_esim):
    email = services.traveler_email_queue(esim=ready_esim.esim, kind=EmailKind.PAGE_LINK)
    services.traveler_email_deliver(email_id=email.pk)
    services.traveler_email_deliver(email_id=email.pk)
    assert len(mail.outbox) == 1


def test_the_sweep_is_scheduled_on_beat():
    from django.conf import settings

    from coreesim.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["portal-traveler-email-sweep"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_a_reissued_esim_gets_a_new_ready_email_saying_the_old_code_is_gone(ready_esim):
    esim_released.send_robust(sender=None, esim=ready_esim.esim)
    Esim.objects.filter(pk=ready_esim.esim.pk).update(iccid="8988247999999999990")
    ready_esim.esim.refresh_from_db()
    esim_released.send_robust(sender=None, esim=ready_esim.esim)
    emails = TravelerEmail.objects.filter(esim=ready_esim.esim, kind=EmailKind.ESIM_READY)
    assert emails.count() == 2
    services.traveler_email_deliver(email_id=emails.order_by("pk").last().pk)
    assert mail.outbox[-1].subject.startswith("Your new eSIM code")
    assert "The previous code no longer works" in mail.outbox[-1].body


def test_a_threshold_is_emailed_again_after_a_top_up_but_not_twice_in_one_period(ready_esim):
    for _ in range(2):
        usage_threshold_reached.send_robust(
            sender=None, esim=ready_esim.esim, kind=UsageEventKind.DATA_80
        )
    Esim.objects.filter(pk=ready_esim.esim.pk).update(allowance_period=1)
    ready_esim.esim.refresh_from_db()
    usage_threshold_reached.send_robust(
        sender=None, esim=ready_esim.esim, kind=UsageEventKind.DATA_80
    )
    assert TravelerEmail.objects.filter(kind=EmailKind.DATA_80).count() == 2
