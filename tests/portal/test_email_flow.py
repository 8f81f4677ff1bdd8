"""Traveler emails from the orders app's domain events, sent by a real Celery worker."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.test import override_settings

from coreesim.tasks import TransientError
from orders.choices import UsageEventKind
from orders.models import Esim
from orders.portal import services
from orders.portal.choices import EmailKind, EmailStatus
from orders.portal.emails import QR_CONTENT_ID
from orders.portal.models import EsimAccessToken, TravelerEmail
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


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,
    EMAIL_TIMEOUT=2,
)
def test_a_mail_server_failure_is_recorded_and_retried(ready_esim):
    email = TravelerEmail.objects.create(
        esim=ready_esim.esim, kind=EmailKind.ESIM_READY, recipient="t@example.com", language="en"
    )
    services.access_token_issue(esim=ready_esim.esim)
    with pytest.raises(TransientError):
        services.traveler_email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
    assert "ConnectionRefusedError" in email.last_error


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,
    EMAIL_TIMEOUT=2,
)
def test_the_final_failed_attempt_marks_the_email_failed(ready_esim):
    email = TravelerEmail.objects.create(
        esim=ready_esim.esim, kind=EmailKind.ESIM_READY, recipient="t@example.com", language="en"
    )
    services.access_token_issue(esim=ready_esim.esim)
    with pytest.raises(TransientError):
        services.traveler_email_deliver(email_id=email.pk, final=True)
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED


def test_a_sent_email_is_not_sent_again(ready_esim):
    email = services.traveler_email_queue(esim=ready_esim.esim, kind=EmailKind.PAGE_LINK)
    services.traveler_email_deliver(email_id=email.pk)
    services.traveler_email_deliver(email_id=email.pk)
    assert len(mail.outbox) == 1


def test_the_sweep_finds_pending_emails_whose_doorbell_was_lost(ready_esim):
    email = TravelerEmail.objects.create(
        esim=ready_esim.esim, kind=EmailKind.ESIM_READY, recipient="t@example.com", language="en"
    )
    TravelerEmail.objects.filter(pk=email.pk).update(
        created_at=email.created_at - services.OUTBOX_GRACE * 2
    )
    assert services.traveler_email_pending_ids() == [email.pk]


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
