"""Top-ups, usage records from the network, and the threshold events they trigger.

Threshold events (50/80/100 % of data, 3 days and 1 day before expiry) are rows with a unique
(eSIM, kind, period) constraint: however often usage is re-imported or the beat task runs, each
is emitted once. A top-up starts a new period, so the thresholds apply again to the new
allowance.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from orders.choices import (
    DATA_EVENT_FOR_PERCENT,
    DATA_THRESHOLDS_PERCENT,
    EXPIRY_EVENT_FOR_DAYS,
    EsimStatus,
    UsageEventKind,
)
from orders.errors import IdempotencyConflict, InvalidEsimState, PlanNotAllowed
from orders.models import Esim, TopUp, UsageEvent, UsageRecord
from orders.services.placing import idempotency_key_check_alive
from orders.signals import announce, esim_changed, usage_threshold_reached
from partners.models import Partner
from partners.services import PriceUnavailable, ledger_debit, partner_can_sell, plan_price_for
from profiles.models import Plan

logger = logging.getLogger(__name__)

TOP_UP_STATUSES = frozenset({EsimStatus.RELEASED})


def _check_coverage(top_up: Plan, base: Plan) -> None:
    """A top-up adds data where the eSIM already works: the profile's network access is the
    base plan's country or region, so a top-up for anywhere else would sell data it cannot use.
    """
    if (top_up.country_id, top_up.region_id) != (base.country_id, base.region_id):
        raise PlanNotAllowed(
            f"plan '{top_up.code}' covers {_coverage(top_up)}, but this eSIM's plan "
            f"'{base.code}' covers {_coverage(base)}"
        )


def _coverage(plan: Plan) -> str:
    if plan.country is not None:
        return f"country {plan.country.iso2}"
    assert plan.region is not None, "a plan covers one country or one region (check constraint)"
    return f"region {plan.region.code}"


@transaction.atomic
def esim_top_up(*, esim: Esim, partner: Partner, plan_code: str, idempotency_key: str) -> TopUp:
    """Add a top-up plan to a delivered eSIM: debit, extend allowance and validity, keep history.

    The same ``idempotency_key`` returns the first top-up without charging again (for 24 hours,
    as long as keys live). The top-up plan must cover the base plan's country or region.
    """
    esim = (
        Esim.objects.select_for_update(of=("self",)).select_related("order__plan").get(pk=esim.pk)
    )
    if esim.order.partner_id != partner.pk:
        raise InvalidEsimState("this eSIM belongs to another partner")
    existing = TopUp.objects.filter(esim=esim, idempotency_key=idempotency_key).first()
    if existing is not None:
        idempotency_key_check_alive(used_at=existing.created_at, made=f"topped up {esim.iccid}")
        if existing.plan.code != plan_code:
            raise IdempotencyConflict("this idempotency key already topped up another plan")
        return existing
    if esim.status not in TOP_UP_STATUSES:
        raise InvalidEsimState(f"an eSIM that is {esim.status} cannot be topped up")
    plan = Plan.objects.filter(code=plan_code).first()
    if plan is None or not plan.is_active or not plan.is_top_up:
        raise PlanNotAllowed(f"plan '{plan_code}' is not a top-up plan on sale")
    if not partner_can_sell(partner=partner, plan=plan):
        raise PlanNotAllowed(f"plan '{plan_code}' is not sold by this partner")
    _check_coverage(plan, esim.order.plan)
    try:
        price: Decimal = plan_price_for(partner=partner, plan=plan)
    except PriceUnavailable as exc:
        raise PlanNotAllowed(str(exc)) from exc

    previous_data, previous_expiry = esim.data_mb, esim.expires_at
    new_data = (
        None if previous_data is None or plan.data_mb is None else previous_data + plan.data_mb
    )
    new_expiry = None
    if previous_expiry is not None:
        new_expiry = max(previous_expiry, timezone.now()) + timedelta(days=plan.validity_days)
    top_up = TopUp.objects.create(
        esim=esim,
        plan=plan,
        currency=partner.currency,
        price=price,
        data_mb=plan.data_mb,
        validity_days=plan.validity_days,
        previous_data_mb=previous_data,
        new_data_mb=new_data,
        previous_expires_at=previous_expiry,
        new_expires_at=new_expiry,
        idempotency_key=idempotency_key,
    )
    ledger_debit(partner=partner, amount=price, reference=f"top_up:{top_up.pk}")
    Esim.objects.filter(pk=esim.pk).update(
        data_mb=new_data,
        expires_at=new_expiry,
        validity_days=F("validity_days") + plan.validity_days,
        allowance_period=F("allowance_period") + 1,
    )
    esim.refresh_from_db()
    logger.info("esim_topped_up", extra={"esim_id": esim.pk, "top_up_id": top_up.pk})
    announce(esim_changed, esim=esim, action="topped_up")
    return top_up


def _emit(esim: Esim, kind: UsageEventKind) -> bool:
    """Record a threshold event once; True only the first time.

    The inner savepoint tells "already recorded" apart from a receiver's own failure, which
    must roll the event back rather than pass for a duplicate.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                UsageEvent.objects.create(esim=esim, kind=kind, period=esim.allowance_period)
        except IntegrityError:
            return False
        logger.info("usage_threshold_reached", extra={"esim_id": esim.pk, "kind": kind})
        announce(usage_threshold_reached, esim=esim, kind=kind)
    return True


def _data_thresholds(esim: Esim) -> list[UsageEventKind]:
    if not esim.data_mb:
        return []
    percent = esim.data_used_mb * 100 / esim.data_mb
    return [DATA_EVENT_FOR_PERCENT[t] for t in DATA_THRESHOLDS_PERCENT if percent >= t]


@dataclass(frozen=True)
class UsageLine:
    """One record from the network: ``used_mb`` consumed by ``iccid`` in the period."""

    record_id: str
    iccid: str
    used_mb: Decimal
    period_start: datetime
    period_end: datetime


@dataclass(frozen=True)
class UsageImport:
    imported: int
    duplicates: int
    unknown_iccids: list[str]
    events: int


def _esim_for_iccid(iccid: str) -> Esim | None:
    return (
        Esim.objects.filter(iccid=iccid.upper().rstrip("F"))
        .exclude(status__in=[EsimStatus.FAILED, EsimStatus.CANCELLED])
        .order_by("-id")
        .first()
    )


@transaction.atomic
def usage_ingest(*, lines: Iterable[UsageLine]) -> UsageImport:
    """Store usage records (each ``record_id`` once), add them up and emit data thresholds."""
    imported = duplicates = events = 0
    unknown: list[str] = []
    touched: set[int] = set()
    for line in lines:
        esim = _esim_for_iccid(line.iccid)
        if esim is None:
            unknown.append(line.iccid)
            continue
        try:
            with transaction.atomic():
                UsageRecord.objects.create(
                    esim=esim,
                    record_id=line.record_id,
                    used_mb=line.used_mb,
                    period_start=line.period_start,
                    period_end=line.period_end,
                )
        except IntegrityError:
            duplicates += 1
            continue
        Esim.objects.filter(pk=esim.pk).update(data_used_mb=F("data_used_mb") + line.used_mb)
        touched.add(esim.pk)
        imported += 1
    for esim in Esim.objects.filter(pk__in=touched):
        events += sum(_emit(esim, kind) for kind in _data_thresholds(esim))
    if unknown:
        logger.warning("usage_unknown_iccids", extra={"count": len(unknown)})
    return UsageImport(
        imported=imported, duplicates=duplicates, unknown_iccids=unknown, events=events
    )


def expiry_notices_emit(*, now: datetime | None = None) -> int:
    """Emit "expires in 3 days / 1 day" once per eSIM and period (beat task)."""
    now = now or timezone.now()
    emitted = 0
    horizon = max(EXPIRY_EVENT_FOR_DAYS)
    upcoming = Esim.objects.filter(
        status=EsimStatus.RELEASED,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=horizon),
    )
    for esim in upcoming:
        assert esim.expires_at is not None
        left = esim.expires_at - now
        for days, kind in EXPIRY_EVENT_FOR_DAYS.items():
            if left <= timedelta(days=days) and _emit(esim, kind):
                emitted += 1
    return emitted
