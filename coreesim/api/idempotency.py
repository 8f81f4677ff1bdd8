"""``Idempotency-Key``: a retried POST is answered, never executed twice.

The first request with a key claims it (a row, committed at once so concurrent retries see it),
runs, and stores its answer. Within ``IDEMPOTENCY_TTL`` a request with the same key:

- and the same method, path and body gets the stored answer with ``Idempotent-Replayed: true``;
- and a different body gets 422 ``idempotency_conflict``;
- while the first one still runs gets 409 ``idempotency_in_progress``.

Answers that executed nothing are not stored, so the client may fix and retry with the same key:
a 400 validation error and any 5xx release the key. A process killed between the business commit
and storing the answer leaves the claim in progress: retries get 409 until the key expires, which
is safe (nothing runs twice) and is why the guide tells partners to look the order up by reference.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils import encoders

from coreesim.models import IdempotencyRecord, IdempotencyStatus
from coreesim.problems import ErrorCode, ProblemError
from coreesim.secrets import reveal

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")


class IdempotentReplay(Exception):
    """Carries the stored answer out of ``initial()`` to be returned instead of running."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__("idempotent replay")
        self.response = response


def request_fingerprint(*, method: str, path: str, data: Any) -> str:
    """Same method, path and JSON body (key order and spacing aside) → same fingerprint."""
    canonical = json.dumps(
        [method.upper(), path, data], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_key(raw: str | None) -> str:
    if raw is None or raw == "":
        raise ProblemError(
            ErrorCode.VALIDATION_ERROR,
            f"The {HEADER} header is required on this request.",
            http_status=status.HTTP_400_BAD_REQUEST,
            errors=[{"field": HEADER, "message": "This header is required.", "code": "required"}],
        )
    if not KEY_PATTERN.match(raw):
        raise ProblemError(
            ErrorCode.VALIDATION_ERROR,
            f"The {HEADER} header must be 1-255 printable ASCII characters without spaces.",
            http_status=status.HTTP_400_BAD_REQUEST,
            errors=[{"field": HEADER, "message": "Invalid key.", "code": "invalid"}],
        )
    return raw


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        reveal(record.response_body) or "",
        status=record.response_status,
        content_type=record.response_content_type or "application/json",
    )
    response[REPLAYED_HEADER] = "true"
    if record.response_location:
        response["Location"] = record.response_location
    return response


def idempotency_claim(
    *, partner_id: int, key: str, method: str, path: str, data: Any
) -> IdempotencyRecord:
    """Claim ``key`` for this request, or raise what the client must get instead.

    Raises ``IdempotentReplay`` with the stored answer, or ``ProblemError`` (409/422).
    """
    fingerprint = request_fingerprint(method=method, path=path, data=data)
    now = timezone.now()
    IdempotencyRecord.objects.filter(partner_id=partner_id, key=key, expires_at__lte=now).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                partner_id=partner_id,
                key=key,
                fingerprint=fingerprint,
                method=method.upper(),
                path=path[:2048],
                expires_at=now + timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS),
            )
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(partner_id=partner_id, key=key).first()
    if existing is None:
        # The holder released the key between our insert and our read: try once more.
        return idempotency_claim(
            partner_id=partner_id, key=key, method=method, path=path, data=data
        )
    if existing.fingerprint != fingerprint:
        raise ProblemError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "This Idempotency-Key was already used with a different request; use a new key.",
            http_status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if existing.status == IdempotencyStatus.IN_PROGRESS:
        raise ProblemError(
            ErrorCode.IDEMPOTENCY_IN_PROGRESS,
            "A request with this Idempotency-Key is still running; retry in a moment.",
            http_status=status.HTTP_409_CONFLICT,
        )
    raise IdempotentReplay(_replay(existing))


def _executed_nothing(response: HttpResponseBase) -> bool:
    if response.status_code >= 500:
        return True
    data = getattr(response, "data", None)
    return (
        response.status_code == status.HTTP_400_BAD_REQUEST
        and isinstance(data, dict)
        and data.get("code") == ErrorCode.VALIDATION_ERROR
    )


def idempotency_finish(*, record: IdempotencyRecord, response: HttpResponseBase) -> None:
    """Store the answer for later retries, or release the key if nothing was executed."""
    if _executed_nothing(response):
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    if isinstance(response, Response):
        body = json.dumps(
            response.data, cls=encoders.JSONEncoder, separators=(",", ":"), ensure_ascii=False
        )
        content_type = response.content_type or "application/json"
    elif isinstance(response, HttpResponse):
        body = response.content.decode()
        content_type = response.get("Content-Type", "application/json")
    else:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status=IdempotencyStatus.COMPLETED,
        response_status=response.status_code,
        response_body=body,
        response_content_type=content_type,
        response_location=response.get("Location", ""),
        completed_at=timezone.now(),
    )


def idempotency_purge_expired() -> int:
    """Delete expired keys; run periodically so the table stays the size of one day."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
