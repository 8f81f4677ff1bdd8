"""Every write the portal makes: page tokens, the traveler's language, the email outbox."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from orders.errors import NoFailedEmail
from orders.portal import facts
from orders.portal.choices import ONCE_PER_ESIM, EmailKind, EmailStatus
from orders.portal.emails import email_message_build
from orders.portal.models import EsimAccessToken, TravelerEmail
from orders.portal.tokens import token_digest, token_generate

logger = logging.getLogger(__name__)

# A pending email rung this long ago and still not tried was probably never handed to a worker
# (broker down, or the worker lost it): the sweep rings it again.
OUTBOX_GRACE = timedelta(minutes=10)

# The retry schedule of a traveler email, see ``email_retry_delay``.
RETRY_FIRST_DELAY = timedelta(minutes=1)
RETRY_MAX_DELAY = timedelta(hours=1)
RETRY_GIVE_UP_AFTER = timedelta(hours=24)


def email_retry_delay(failures: int) -> timedelta | None:
    """How long to wait after an email's ``failures``-th failed attempt; ``None``: give up.

    "eSIM ready" is the traveler's only copy of their activation code, so a mail-server outage
    of an evening must not lose it: waits double from a minute (a blip is over quickly), are
    capped at an hour (a long outage costs one attempt an hour, not a storm), and the email is
    given up only once the waits add up to a day, when staff are surely looking. Counted in
    attempts rather than wall-clock time, so an email is never given up on because the workers
    were down, only after it was really tried the whole day.
    """
    waited = timedelta(0)
    delay = RETRY_FIRST_DELAY
    for n in range(failures):
        delay = min(RETRY_FIRST_DELAY * 2 ** min(n, 16), RETRY_MAX_DELAY)
        waited += delay
    return delay if waited <= RETRY_GIVE_UP_AFTER else None


@transaction.atomic
def access_token_issue(*, esim: facts.Esim) -> EsimAccessToken:
    """The eSIM's page access, created on first need; calling it again changes nothing."""
    existing = EsimAccessToken.objects.filter(esim=esim).first()
    if existing is not None:
        return existing
    token = token_generate()
    access, _created = EsimAccessToken.objects.get_or_create(
        esim=esim,
        defaults={
            "token": token,
            "token_digest": token_digest(token),
            "language": facts.traveler_language(esim),
        },
    )
    return access


@transaction.atomic
def access_token_rotate(*, esim: facts.Esim, actor: str) -> EsimAccessToken:
    """A new page link for the eSIM; the old one stops working at once (a leaked link)."""
    access = access_token_issue(esim=esim)
    access = EsimAccessToken.objects.select_for_update().get(pk=access.pk)
    token = token_generate()
    access.token = token
    access.token_digest = token_digest(token)
    access.rotated_at = timezone.now()
    access.save(update_fields=["token", "token_digest", "rotated_at"])
    logger.info("portal_token_rotated", extra={"esim": esim.pk, "actor": actor})
    return access


def access_language_set(*, access_id: int, language: str) -> None:
    """Remember the language the traveler reads the page in, for the emails that follow."""
    EsimAccessToken.objects.filter(pk=access_id).exclude(language=language).update(
        language=language
    )


@transaction.atomic
def traveler_email_queue(
    *, esim: facts.Esim, kind: EmailKind, language: str | None = None, occasion: str = ""
) -> TravelerEmail | None:
    """Record one email to the traveler and ring the worker after commit.

    Returns ``None`` when the order has no traveler email, or when an email of a once-only
    kind was already queued for this eSIM and ``occasion`` (domain events may be delivered
    twice; a reissue or a top-up is a new occasion).
    """
    recipient = facts.traveler_email(esim)
    if not recipient:
        logger.info("portal_email_skipped_no_recipient", extra={"esim": esim.pk, "kind": kind})
        return None
    access = access_token_issue(esim=esim)
    fields = {
        "recipient": recipient,
        "language": language or access.language,
        # The doorbell rung after commit sends it; the sweep looks only if that was lost.
        "next_attempt_at": timezone.now() + OUTBOX_GRACE,
    }
    if kind in ONCE_PER_ESIM:
        email, created = TravelerEmail.objects.get_or_create(
            esim=esim, kind=kind, occasion=occasion, defaults=fields
        )
        if not created:
            return None
    else:
        email = TravelerEmail.objects.create(esim=esim, kind=kind, **fields)
    logger.info("portal_email_queued", extra={"esim": esim.pk, "kind": kind, "email": email.pk})
    transaction.on_commit(lambda: _ring(email.pk))
    return email


@transaction.atomic
def traveler_email_resend_failed(*, esim: facts.Esim, actor: str, reason: str) -> facts.Esim:
    """Put the eSIM's failed traveler emails back in the outbox, on a fresh retry schedule.

    For staff once a long mail outage is over: a once-only email ("eSIM ready") cannot be
    queued again, so the failed row itself goes back to pending. Its content is read at send
    time, so it carries the eSIM's current code. Raises ``NoFailedEmail`` (nothing changed)
    when none has failed.
    """
    ids = list(
        TravelerEmail.objects.select_for_update()
        .filter(esim=esim, status=EmailStatus.FAILED)
        .values_list("pk", flat=True)
    )
    if not ids:
        raise NoFailedEmail("This eSIM has no failed traveler email to resend.")
    TravelerEmail.objects.filter(pk__in=ids).update(
        status=EmailStatus.PENDING, attempts=0, next_attempt_at=timezone.now() + OUTBOX_GRACE
    )
    for email_id in ids:
        transaction.on_commit(partial(_ring, email_id))
    logger.info(
        "portal_email_resent",
        extra={"esim": esim.pk, "emails": ids, "actor": actor, "reason": reason},
    )
    return esim


def _ring(email_id: int) -> None:
    from orders.portal.tasks import traveler_email_send

    traveler_email_send.delay(email_id)


def page_link_request(*, email: str, reference: str, language: str) -> None:
    """Email the page link for each eSIM of the order when ``email`` and ``reference`` match.

    Says nothing about whether they matched: the view answers the same either way.
    """
    matched = facts.esims_for_traveler(email=email, reference=reference)
    for esim in matched:
        traveler_email_queue(esim=esim, kind=EmailKind.PAGE_LINK, language=language)
    logger.info("portal_find_requested", extra={"matched": len(matched)})


def traveler_email_deliver(*, email_id: int) -> None:
    """Try once to send one outbox email unless it was sent already.

    The row stays locked while the mail server talks, so two workers given the same email
    never both send it. A mail-server failure is recorded and the next attempt scheduled on the
    row (``email_retry_delay``) for the sweep to make; once the schedule is used up the row
    becomes ``failed`` for staff to see. Nothing is raised: retries live in the database, not
    in Celery, so a sweep and a retry can never run two schedules for one email.
    """
    from orders.portal.selectors import email_content

    try:
        with transaction.atomic():
            email = (
                TravelerEmail.objects.select_for_update(skip_locked=True)
                .filter(pk=email_id, status=EmailStatus.PENDING)
                .first()
            )
            if email is None:
                return
            email_message_build(email_content(email)).send()
            email.status = EmailStatus.SENT
            email.sent_at = timezone.now()
            email.attempts += 1
            email.last_error = ""
            email.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    except (smtplib.SMTPException, OSError) as exc:
        _record_failure(email_id=email_id, error=exc)
        return
    logger.info("portal_email_sent", extra={"email": email_id, "kind": email.kind})


@transaction.atomic
def _record_failure(*, email_id: int, error: Exception) -> None:
    email = TravelerEmail.objects.select_for_update().get(pk=email_id)
    email.attempts += 1
    email.last_error = f"{type(error).__name__}: {error}"[:500]
    delay = email_retry_delay(email.attempts)
    if delay is None:
        email.status = EmailStatus.FAILED
    else:
        email.next_attempt_at = timezone.now() + delay
    email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    logger.warning(
        "portal_email_failed",
        extra={"email": email_id, "attempts": email.attempts, "status": email.status},
    )


@transaction.atomic
def traveler_email_due_claim(*, now: datetime | None = None) -> list[int]:
    """The pending emails whose next attempt is due, each claimed for ``OUTBOX_GRACE``.

    Claiming pushes ``next_attempt_at`` past the next sweeps, so a row the sweep has rung is
    not rung again while its worker is on it; if that doorbell is lost, the row is due again
    after the grace.
    """
    now = now or timezone.now()
    ids = list(
        TravelerEmail.objects.select_for_update(skip_locked=True)
        .filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    TravelerEmail.objects.filter(pk__in=ids).update(next_attempt_at=now + OUTBOX_GRACE)
    return ids
