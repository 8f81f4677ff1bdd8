"""Every write about webhooks: endpoints, events → deliveries, attempts, redelivery.

A delivery row is written in the transaction of the event that causes it; the worker is rung on
commit, and a beat sweep (``webhook_deliveries_due``) catches whatever the doorbell missed and
every scheduled retry. A delivery is leased (``leased_until`` set, ``next_attempt_at`` pushed
ahead) before the HTTP call, so two workers never send the same attempt, and a redelivery is
refused while the lease holds. The attempt is recorded on a freshly locked copy of the row.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from coreesim.problems import ErrorCode
from coreesim.secrets import reveal
from partners.webhooks.choices import DeliveryStatus, EndpointStatus, WebhookEventType
from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from partners.webhooks.sender import AttemptResult, attempt_send
from partners.webhooks.signing import secret_generate, webhook_headers
from partners.webhooks.ssrf import UnsafeTarget, url_check

logger = logging.getLogger(__name__)

# Seconds to wait after attempt N fails (N = 1..9): about three days in all, then give up.
RETRY_SCHEDULE: tuple[int, ...] = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 72000)
JITTER = 0.2
LEASE = timedelta(minutes=2)
SECRET_ROTATION_GRACE = timedelta(hours=24)
# An endpoint whose deliveries have failed for this long with no success is disabled.
DISABLE_AFTER = timedelta(days=3)


class WebhookUrlRefused(ValueError):
    """The endpoint URL failed the SSRF guard; the message says why."""


class WebhookDeliveryBusy(ValueError):
    """An attempt at the delivery is in flight: a redelivery now would send it twice at once."""

    code = ErrorCode.INVALID_STATE


def _check_url(url: str) -> None:
    try:
        url_check(url)
    except UnsafeTarget as exc:
        raise WebhookUrlRefused(str(exc)) from exc


@transaction.atomic
def webhook_endpoint_create(
    *, partner: Any, url: str, event_types: Iterable[str] = (), description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; the plain secret is returned once and never shown again."""
    _check_url(url)
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        partner=partner,
        url=url,
        event_types=sorted(set(event_types)),
        description=description,
        secret=secret,
    )
    logger.info("webhook_endpoint_created", extra={"partner": partner.pk, "endpoint": endpoint.pk})
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what a partner may change; re-enabling forgets the past failures."""
    if url is not None:
        _check_url(url)
        endpoint.url = url
    if event_types is not None:
        endpoint.event_types = sorted(set(event_types))
    if description is not None:
        endpoint.description = description
    if enabled is True and endpoint.status != EndpointStatus.ENABLED:
        endpoint.status = EndpointStatus.ENABLED
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.failing_since = None
    elif enabled is False and endpoint.status != EndpointStatus.DISABLED:
        endpoint.status = EndpointStatus.DISABLED
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = "Disabled by the partner."
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one keeps signing (as a second signature) for 24 hours."""
    new_secret = secret_generate()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + SECRET_ROTATION_GRACE
    endpoint.secret = new_secret
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    logger.info("webhook_secret_rotated", extra={"endpoint": endpoint.pk})
    return endpoint, new_secret


def _message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _payload(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    encoded = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return {"type": event_type, "timestamp": timezone.now().isoformat(), "data": encoded}


def _enqueue_on_commit(deliveries: list[WebhookDelivery]) -> None:
    from partners.webhooks.tasks import webhook_deliver_task

    ids = [d.pk for d in deliveries]
    if ids:
        transaction.on_commit(lambda: [webhook_deliver_task.delay(pk) for pk in ids])


@transaction.atomic
def webhook_event_emit(
    *, partner_id: int, event_type: WebhookEventType | str, data: dict[str, Any]
) -> list[WebhookDelivery]:
    """Owe ``event_type`` to every enabled endpoint of the partner that subscribes to it.

    Call it inside the transaction that records the event: the deliveries commit (or roll back)
    with it, and are sent after commit.
    """
    event = WebhookEventType(event_type)
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(
            partner_id=partner_id, status=EndpointStatus.ENABLED
        )
        if e.wants(event)
    ]
    payload = _payload(event, data)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                partner_id=partner_id,
                endpoint=endpoint,
                message_id=_message_id(),
                event_type=event,
                payload=payload,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        ]
    )
    _enqueue_on_commit(deliveries)
    return deliveries


@transaction.atomic
def webhook_endpoint_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a ``webhook.test`` message to this endpoint, whatever it subscribes to."""
    delivery = WebhookDelivery.objects.create(
        partner_id=endpoint.partner_id,
        endpoint=endpoint,
        message_id=_message_id(),
        event_type=WebhookEventType.WEBHOOK_TEST,
        payload=_payload(
            WebhookEventType.WEBHOOK_TEST, {"endpoint_id": endpoint.pk, "message": "It works."}
        ),
        next_attempt_at=timezone.now(),
        auto_retry=False,
        next_attempt_manual=True,
    )
    _enqueue_on_commit([delivery])
    return delivery


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """One more attempt now, with the same ``webhook-id`` so receivers can de-duplicate.

    A delivery still being retried keeps its schedule: the manual attempt goes ahead of the next
    automatic one, which keeps its time if the manual one fails. A failed or succeeded delivery
    gets this one attempt only. Refused (``WebhookDeliveryBusy``) while an attempt is in flight.
    """
    current = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    now = timezone.now()
    if current.leased_until is not None and current.leased_until > now:
        raise WebhookDeliveryBusy(
            "An attempt at this message is in progress; redeliver it once that attempt is logged."
        )
    if current.status == DeliveryStatus.PENDING and current.auto_retry:
        if current.retry_resumes_at is None:
            current.retry_resumes_at = current.next_attempt_at
    else:
        current.status = DeliveryStatus.PENDING
        current.auto_retry = False
    current.next_attempt_manual = True
    current.next_attempt_at = now
    current.save(
        update_fields=[
            "status",
            "auto_retry",
            "next_attempt_manual",
            "retry_resumes_at",
            "next_attempt_at",
        ]
    )
    _enqueue_on_commit([current])
    return current


def _lease(delivery_id: int) -> WebhookDelivery | None:
    """Take the delivery for one attempt if it is due and nobody else holds it."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        if delivery.endpoint.status != EndpointStatus.ENABLED:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = "The endpoint is disabled."
            delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
            return None
        delivery.leased_until = delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["leased_until", "next_attempt_at"])
    return delivery


def _signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    secrets = [reveal(endpoint.secret) or ""]
    grace = endpoint.previous_secret_expires_at
    previous = reveal(endpoint.previous_secret)
    if previous and grace and grace > timezone.now():
        secrets.append(previous)
    return secrets


def retry_delay(attempt_number: int) -> timedelta | None:
    """How long to wait after failed automatic attempt ``attempt_number``; None once retries
    run out."""
    if attempt_number > len(RETRY_SCHEDULE):
        return None
    base = RETRY_SCHEDULE[attempt_number - 1]
    return timedelta(seconds=base * random.uniform(1 - JITTER, 1 + JITTER))  # noqa: S311


def webhook_deliver(*, delivery_id: int) -> WebhookAttempt | None:
    """Make one attempt at a due delivery and record it; None if it was not due or taken."""
    delivery = _lease(delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    started_at = timezone.now()
    headers = webhook_headers(
        secrets=_signing_secrets(endpoint),
        message_id=delivery.message_id,
        timestamp=int(started_at.timestamp()),
        body=body,
    )
    result = attempt_send(url=endpoint.url, headers=headers, body=body)
    return _record_attempt(delivery=delivery, started_at=started_at, result=result)


@transaction.atomic
def _record_attempt(
    *, delivery: WebhookDelivery, started_at: datetime, result: AttemptResult
) -> WebhookAttempt:
    """Log the attempt and decide what comes next, on a freshly locked copy of the row: the
    leased copy is stale if anything touched the delivery while the request was out."""
    current = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    number = current.attempt_count + 1
    manual = current.next_attempt_manual
    attempt = WebhookAttempt.objects.create(
        delivery=current,
        number=number,
        manual=manual,
        started_at=started_at,
        succeeded=result.succeeded,
        status_code=result.status_code,
        latency_ms=result.latency_ms,
        response_excerpt=result.response_excerpt,
        error=result.error,
    )
    current.attempt_count = number
    current.last_attempt_at = started_at
    current.last_status_code = result.status_code
    current.last_latency_ms = result.latency_ms
    current.last_response_excerpt = result.response_excerpt
    current.last_error = result.error
    if current.leased_until == delivery.leased_until:
        current.leased_until = None
    resumes_at, current.retry_resumes_at = current.retry_resumes_at, None
    current.next_attempt_manual = False
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=current.endpoint_id)
    if result.succeeded:
        current.status = DeliveryStatus.SUCCEEDED
        current.next_attempt_at = None
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since"])
    elif current.status == DeliveryStatus.PENDING:
        next_at = _next_automatic_attempt(
            delivery=current, number=number, manual=manual, resumes_at=resumes_at, now=started_at
        )
        current.next_attempt_at = next_at
        if next_at is None:
            current.status = DeliveryStatus.FAILED
        if endpoint.failing_since is None:
            endpoint.failing_since = started_at
            endpoint.save(update_fields=["failing_since"])
        elif next_at is None and current.auto_retry:
            _disable_if_failing_too_long(endpoint=endpoint, now=started_at)
    current.save()
    logger.info(
        "webhook_attempt",
        extra={
            "delivery": current.message_id,
            "endpoint": endpoint.pk,
            "event_type": current.event_type,
            "attempt": number,
            "status_code": result.status_code,
            "latency_ms": result.latency_ms,
            "outcome": current.status,
        },
    )
    return attempt


def _next_automatic_attempt(
    *,
    delivery: WebhookDelivery,
    number: int,
    manual: bool,
    resumes_at: datetime | None,
    now: datetime,
) -> datetime | None:
    """When to try again after failed attempt ``number``, or None to give up.

    A manual attempt at a delivery still being retried leaves the schedule alone: the automatic
    attempt it went ahead of keeps its time. Only automatic attempts count along the schedule.
    """
    if not delivery.auto_retry:
        return None
    if manual and resumes_at is not None:
        return resumes_at
    automatic = number - delivery.attempts.filter(manual=True).count()
    delay = retry_delay(automatic)
    return None if delay is None else now + delay


def _disable_if_failing_too_long(*, endpoint: WebhookEndpoint, now: Any) -> None:
    if endpoint.failing_since is None or now - endpoint.failing_since < DISABLE_AFTER:
        return
    endpoint.status = EndpointStatus.DISABLED
    endpoint.disabled_at = now
    endpoint.disabled_reason = (
        f"Every delivery failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC."
    )
    endpoint.save(update_fields=["status", "disabled_at", "disabled_reason", "updated_at"])
    logger.warning("webhook_endpoint_disabled", extra={"endpoint": endpoint.pk})
    transaction.on_commit(lambda: _tell_partner_disabled(endpoint))


def _tell_partner_disabled(endpoint: WebhookEndpoint) -> None:
    """An e-mail to the partner's support address: its webhooks stopped and how to resume."""
    address = endpoint.partner.support_email
    if not address:
        return
    send_mail(
        subject="CoreESIM: your webhook endpoint was disabled",
        message=(
            f"Deliveries to {endpoint.url} failed for more than three days, so the endpoint "
            "was disabled. Fix the receiver, then enable it again with PATCH "
            f'/api/v1/webhook-endpoints/{endpoint.pk} {{"enabled": true}} and redeliver the '
            "failed messages from GET /api/v1/webhook-deliveries?status=failed."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[address],
        fail_silently=True,
    )


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    """Deliveries whose attempt is due (new ones the doorbell missed, and retries)."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_balance_low_check(*, partner: Any, available: Decimal) -> list[WebhookDelivery]:
    """After a debit, inside its transaction: owe ``balance.low`` when what the partner may
    still spend (``available``) fell below ``WEBHOOK_BALANCE_LOW_THRESHOLD``, once per dip
    (again only after a credit came in). The debit holds the partner's row lock, so two
    racing debits cannot both decide to tell."""
    from partners.models import LedgerEntry

    threshold = Decimal(str(settings.WEBHOOK_BALANCE_LOW_THRESHOLD))
    if available >= threshold:
        return []
    last_credit = (
        LedgerEntry.objects.filter(partner=partner, amount__gt=0)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    told = WebhookDelivery.objects.filter(partner=partner, event_type=WebhookEventType.BALANCE_LOW)
    if last_credit is not None:
        told = told.filter(created_at__gt=last_credit)
    if told.exists():
        return []
    return webhook_event_emit(
        partner_id=partner.pk,
        event_type=WebhookEventType.BALANCE_LOW,
        data={
            "available": str(available),
            "threshold": str(threshold),
            "currency": partner.currency,
        },
    )
