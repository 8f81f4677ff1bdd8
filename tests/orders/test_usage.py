"""Top-ups, usage ingest (command and internal endpoint) and threshold events, each once."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from orders.choices import EsimStatus, UsageEventKind
from orders.errors import IdempotencyConflict, PlanNotAllowed
from orders.models import Esim, UsageEvent
from orders.services import UsageLine, esim_top_up, expiry_notices_emit, usage_ingest
from orders.signals import usage_threshold_reached
from partners.services import partner_balance
from tests.factories.orders import Stock, make_delivered_esim, make_stock

pytestmark = pytest.mark.django_db

TOKEN = "usage-token-for-tests"


@pytest.fixture
def stock() -> Stock:
    return make_stock(profiles=2, price=Decimal("5.00"), balance=Decimal("100.00"), data_mb=1000)


@pytest.fixture
def esim(stock: Stock) -> Esim:
    return make_delivered_esim(stock)


def _line(esim: Esim, record_id: str, used_mb: str) -> UsageLine:
    now = timezone.now()
    return UsageLine(
        record_id=record_id,
        iccid=esim.iccid,
        used_mb=Decimal(used_mb),
        period_start=now - timedelta(hours=1),
        period_end=now,
    )


def _kinds(esim: Esim) -> list[str]:
    return sorted(UsageEvent.objects.filter(esim=esim).values_list("kind", flat=True))


def test_usage_records_add_up_on_the_esim(esim: Esim) -> None:
    usage_ingest(lines=[_line(esim, "r1", "100"), _line(esim, "r2", "50.5")])

    esim.refresh_from_db()
    assert esim.data_used_mb == Decimal("150.5")


def test_the_same_record_is_counted_once(esim: Esim) -> None:
    usage_ingest(lines=[_line(esim, "r1", "100")])
    result = usage_ingest(lines=[_line(esim, "r1", "100")])

    esim.refresh_from_db()
    assert esim.data_used_mb == Decimal("100")
    assert result.duplicates == 1


def test_unknown_iccid_is_reported_not_stored(esim: Esim) -> None:
    line = UsageLine("r9", "8944000000000000009", Decimal(1), timezone.now(), timezone.now())

    result = usage_ingest(lines=[line])

    assert result.unknown_iccids == ["8944000000000000009"]


def test_crossing_80_percent_emits_50_and_80_once(esim: Esim) -> None:
    usage_ingest(lines=[_line(esim, "r1", "820")])
    usage_ingest(lines=[_line(esim, "r2", "10")])

    assert _kinds(esim) == [UsageEventKind.DATA_50, UsageEventKind.DATA_80]


def test_threshold_signal_is_sent_once(esim: Esim, django_capture_on_commit_callbacks) -> None:
    received: list[str] = []

    def listener(sender, esim, kind, **kwargs) -> None:
        received.append(kind)

    usage_threshold_reached.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            usage_ingest(lines=[_line(esim, "r1", "1000")])
        with django_capture_on_commit_callbacks(execute=True):
            usage_ingest(lines=[_line(esim, "r2", "5")])
    finally:
        usage_threshold_reached.disconnect(listener)

    assert sorted(received) == [
        UsageEventKind.DATA_100,
        UsageEventKind.DATA_50,
        UsageEventKind.DATA_80,
    ]


def test_top_up_debits_and_extends_allowance_and_validity(esim: Esim, stock: Stock) -> None:
    expires = timezone.now() + timedelta(days=2)
    Esim.objects.filter(pk=esim.pk).update(expires_at=expires)
    top_up_plan = stock.top_up_plan(price=Decimal("3.00"), data_mb=500, validity_days=7)

    top_up = esim_top_up(
        esim=esim, partner=stock.partner, plan_code=top_up_plan.code, idempotency_key="t1"
    )

    esim.refresh_from_db()
    assert esim.data_mb == 1500
    assert esim.expires_at == expires + timedelta(days=7)
    assert top_up.previous_data_mb == 1000
    assert top_up.new_expires_at == esim.expires_at
    assert partner_balance(partner=stock.partner) == Decimal("92.00")


def test_top_up_with_the_same_key_charges_once(esim: Esim, stock: Stock) -> None:
    plan = stock.top_up_plan(price=Decimal("3.00"), data_mb=500, validity_days=7)

    esim_top_up(esim=esim, partner=stock.partner, plan_code=plan.code, idempotency_key="t1")
    esim_top_up(esim=esim, partner=stock.partner, plan_code=plan.code, idempotency_key="t1")

    assert partner_balance(partner=stock.partner) == Decimal("92.00")


def test_top_up_key_reused_for_another_plan_is_a_conflict(esim: Esim, stock: Stock) -> None:
    one = stock.top_up_plan(price=Decimal("3.00"), data_mb=500, validity_days=7)
    two = stock.top_up_plan(price=Decimal("4.00"), data_mb=900, validity_days=7)
    esim_top_up(esim=esim, partner=stock.partner, plan_code=one.code, idempotency_key="t1")

    with pytest.raises(IdempotencyConflict):
        esim_top_up(esim=esim, partner=stock.partner, plan_code=two.code, idempotency_key="t1")


def test_base_plan_cannot_be_a_top_up(esim: Esim, stock: Stock) -> None:
    with pytest.raises(PlanNotAllowed):
        esim_top_up(
            esim=esim, partner=stock.partner, plan_code=stock.plan.code, idempotency_key="t1"
        )


def test_top_up_rearms_the_data_thresholds(esim: Esim, stock: Stock) -> None:
    usage_ingest(lines=[_line(esim, "r1", "600")])
    plan = stock.top_up_plan(price=Decimal("3.00"), data_mb=1000, validity_days=7)
    esim_top_up(esim=esim, partner=stock.partner, plan_code=plan.code, idempotency_key="t1")

    usage_ingest(lines=[_line(esim, "r2", "500")])

    assert _kinds(esim) == [UsageEventKind.DATA_50, UsageEventKind.DATA_50]


def test_expiry_notices_fire_once_each_at_3_days_and_1_day(esim: Esim) -> None:
    now = timezone.now()
    Esim.objects.filter(pk=esim.pk).update(expires_at=now + timedelta(days=10))

    assert expiry_notices_emit(now=now) == 0
    assert expiry_notices_emit(now=now + timedelta(days=7, hours=1)) == 1
    assert expiry_notices_emit(now=now + timedelta(days=7, hours=2)) == 0
    assert expiry_notices_emit(now=now + timedelta(days=9, hours=1)) == 1
    assert _kinds(esim) == [UsageEventKind.EXPIRES_1D, UsageEventKind.EXPIRES_3D]


def test_expiry_notices_skip_esims_that_are_not_delivered(esim: Esim) -> None:
    now = timezone.now()
    Esim.objects.filter(pk=esim.pk).update(
        expires_at=now + timedelta(hours=5), status=EsimStatus.CANCELLED
    )

    assert expiry_notices_emit(now=now) == 0


def test_import_usage_command_reads_a_csv(esim: Esim, tmp_path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text(
        "record_id,iccid,used_mb,period_start,period_end\n"
        f"r1,{esim.iccid},250,2026-11-24T10:00:00Z,2026-11-24T11:00:00Z\n"
        f"r2,{esim.iccid}F,250,2026-11-24T11:00:00Z,2026-11-24T12:00:00Z\n"
    )

    call_command("import_usage", str(path))

    esim.refresh_from_db()
    assert esim.data_used_mb == Decimal("500")
    assert _kinds(esim) == [UsageEventKind.DATA_50]


def test_import_usage_names_the_bad_line(esim: Esim, tmp_path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text(
        "record_id,iccid,used_mb,period_start,period_end\n"
        f"r1,{esim.iccid},lots,2026-11-24T10:00:00Z,2026-11-24T11:00:00Z\n"
    )

    with pytest.raises(CommandError, match="line 2: used_mb"):
        call_command("import_usage", str(path))


@override_settings(USAGE_INGEST_TOKEN=TOKEN)
def test_usage_endpoint_refuses_a_wrong_token(client, esim: Esim) -> None:
    response = client.post(
        "/internal/usage",
        data=json.dumps({"records": []}),
        content_type="application/json",
        headers={"Authorization": "Bearer nope"},
    )

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@override_settings(USAGE_INGEST_TOKEN="")
def test_usage_endpoint_is_closed_without_a_configured_token(client, esim: Esim) -> None:
    response = client.post(
        "/internal/usage",
        data=json.dumps({"records": []}),
        content_type="application/json",
        headers={"Authorization": "Bearer "},
    )

    assert response.status_code == 401


@override_settings(USAGE_INGEST_TOKEN=TOKEN)
def test_usage_endpoint_ingests_records(client, esim: Esim) -> None:
    record = {
        "record_id": "r1",
        "iccid": esim.iccid,
        "used_mb": "120.5",
        "period_start": "2026-11-24T10:00:00Z",
        "period_end": "2026-11-24T11:00:00Z",
    }

    response = client.post(
        "/internal/usage",
        data=json.dumps({"records": [record]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )

    assert response.status_code == 200
    assert response.json()["imported"] == 1
    esim.refresh_from_db()
    assert esim.data_used_mb == Decimal("120.5")


@override_settings(USAGE_INGEST_TOKEN=TOKEN)
def test_usage_endpoint_answers_400_for_a_bad_record(client, esim: Esim) -> None:
    response = client.post(
        "/internal/usage",
        data=json.dumps({"records": [{"record_id": "r1"}]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )

    assert response.status_code == 400
