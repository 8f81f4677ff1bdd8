"""The Idempotency-Key store: claim, replay, conflict, in-progress, release, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.response import Response

from coreesim.api.idempotency import (
    IdempotentReplay,
    idempotency_claim,
    idempotency_finish,
    idempotency_purge_expired,
    request_fingerprint,
)
from coreesim.models import IdempotencyRecord, IdempotencyStatus
from coreesim.problems import ErrorCode, ProblemError

pytestmark = pytest.mark.django_db

BODY = {"plan": "EU-5GB", "quantity": 1}


def _claim(key: str = "k1", data: object = BODY, partner_id: int = 1) -> IdempotencyRecord:
    return idempotency_claim(
        partner_id=partner_id, key=key, method="POST", path="/api/v1/orders", data=data
    )


def test_fingerprint_ignores_key_order() -> None:
    a = request_fingerprint(method="POST", path="/p", data={"a": 1, "b": 2})
    b = request_fingerprint(method="POST", path="/p", data={"b": 2, "a": 1})
    assert a == b


def test_first_claim_is_in_progress() -> None:
    assert _claim().status == IdempotencyStatus.IN_PROGRESS


def test_same_key_while_running_is_409_in_progress() -> None:
    _claim()
    with pytest.raises(ProblemError) as caught:
        _claim()
    assert caught.value.status_code == 409
    assert caught.value.problem_code == ErrorCode.IDEMPOTENCY_IN_PROGRESS


def test_same_key_with_another_body_is_422_conflict() -> None:
    record = _claim()
    idempotency_finish(record=record, response=Response({"id": 1}, status=201))
    with pytest.raises(ProblemError) as caught:
        _claim(data={**BODY, "quantity": 2})
    assert caught.value.status_code == 422
    assert caught.value.problem_code == ErrorCode.IDEMPOTENCY_CONFLICT


def test_same_key_and_body_after_completion_replays_status_and_body() -> None:
    record = _claim()
    idempotency_finish(record=record, response=Response({"id": 7}, status=201))
    with pytest.raises(IdempotentReplay) as caught:
        _claim()
    replay = caught.value.response
    assert replay.status_code == 201
    assert replay.content == b'{"id":7}'
    assert replay["Idempotent-Replayed"] == "true"


def test_a_stored_answer_is_encrypted_at_rest_and_replayed_in_clear() -> None:
    """Answers carry secrets (a webhook signing secret here); the table never holds them."""
    record = _claim()
    idempotency_finish(record=record, response=Response({"secret": "whsec_abc123"}, status=201))

    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body FROM coreesim_idempotencyrecord")
        (stored,) = cursor.fetchone()
    with pytest.raises(IdempotentReplay) as caught:
        _claim()

    assert "whsec_abc123" not in stored
    assert caught.value.response.content == b'{"secret":"whsec_abc123"}'


def test_keys_are_per_partner() -> None:
    _claim(partner_id=1)
    assert _claim(partner_id=2).partner_id == 2


def test_a_server_error_releases_the_key() -> None:
    record = _claim()
    idempotency_finish(record=record, response=HttpResponse(status=500))
    assert _claim().status == IdempotencyStatus.IN_PROGRESS


def test_a_validation_error_releases_the_key_so_the_client_can_fix_the_body() -> None:
    record = _claim()
    problem = Response({"code": ErrorCode.VALIDATION_ERROR.value}, status=400)
    idempotency_finish(record=record, response=problem)
    assert not IdempotencyRecord.objects.exists()


def test_a_business_refusal_is_stored_and_replayed() -> None:
    record = _claim()
    idempotency_finish(record=record, response=Response({"code": "out_of_stock"}, status=409))
    with pytest.raises(IdempotentReplay) as caught:
        _claim()
    assert caught.value.response.status_code == 409


def test_an_expired_key_may_be_used_again() -> None:
    record = _claim()
    idempotency_finish(record=record, response=Response({"id": 1}, status=201))
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _claim(data={"other": True}).status == IdempotencyStatus.IN_PROGRESS


def test_purge_deletes_only_expired_records() -> None:
    _claim(key="old")
    _claim(key="new")
    IdempotencyRecord.objects.filter(key="old").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert idempotency_purge_expired() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
