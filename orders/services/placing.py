"""Order intake: one transaction that checks, charges, reserves and records the job.

Everything ``order_place`` does is undone together: a refusal at any step (quantity, plan,
stock, balance) leaves no debit, no reservation and no order behind.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from orders.choices import MAX_QUANTITY, MIN_QUANTITY, JobKind
from orders.errors import (
    IdempotencyConflict,
    InvalidEid,
    InvalidLanguage,
    InvalidQuantity,
    OutOfStock,
    PlanNotAllowed,
)
from orders.models import Esim, Order
from orders.services.outbox import provisioning_job_create
from partners.models import Partner
from partners.services import PriceUnavailable, ledger_debit, partner_can_sell, plan_price_for
from profiles.models import Plan
from profiles.selectors import plan_pool_ids
from profiles.services import profile_reserve_available

logger = logging.getLogger(__name__)

EID_RE = re.compile(r"^[0-9]{32}$")


def _lock_idempotency_key(partner: Partner, key: str) -> None:
    """Serialise concurrent calls with the same key for the rest of this transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"order:{partner.pk}:{key}"])


def idempotency_key_check_alive(*, used_at: datetime, made: str) -> None:
    """Refuse a key first used longer ago than keys live (``IDEMPOTENCY_TTL_SECONDS``, 24 h).

    The API forgets the first request with the key after that, so a new one can no longer be
    told apart from a retry: answering with the old object would pass it off as the result of
    a request that may be a new operation. ``made`` says what the key made, for the message.
    """
    ttl = timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    if used_at <= timezone.now() - ttl:
        hours = int(ttl.total_seconds() // 3600)
        raise IdempotencyConflict(
            f"this idempotency key {made} more than {hours} hours ago and keys live {hours} "
            "hours: use a new key"
        )


def _replay(order: Order, *, plan_code: str, quantity: int) -> Order:
    idempotency_key_check_alive(used_at=order.created_at, made=f"placed order {order.pk}")
    if order.plan.code != plan_code or order.quantity != quantity:
        raise IdempotencyConflict(
            "this idempotency key already placed an order for another plan or quantity"
        )
    return order


def _check_quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity("the quantity must be a whole number")
    if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(f"the quantity must be between {MIN_QUANTITY} and {MAX_QUANTITY}")
    return quantity


def _sellable_plan(partner: Partner, plan_code: str) -> Plan:
    plan = Plan.objects.filter(code=plan_code).first()
    if plan is None or not plan.is_active or plan.is_top_up:
        raise PlanNotAllowed(f"plan '{plan_code}' is not available for ordering")
    if not partner_can_sell(partner=partner, plan=plan):
        raise PlanNotAllowed(f"plan '{plan_code}' is not sold by this partner")
    return plan


@transaction.atomic
def order_place(
    *,
    partner: Partner,
    plan_code: str,
    quantity: int,
    idempotency_key: str,
    traveler_email: str | None = None,
    traveler_name: str | None = None,
    traveler_language: str | None = None,
    reference: str | None = None,
    eid: str | None = None,
) -> Order:
    """Sell ``quantity`` eSIMs of ``plan_code`` to ``partner`` and queue their provisioning.

    Repeating a call with the same ``idempotency_key`` returns the first order (and charges
    nothing again); reusing the key for another plan or quantity, or once it has outlived the
    keys' 24 hours, is ``IdempotencyConflict``.
    Raises ``InvalidQuantity``, ``PlanNotAllowed``, ``OutOfStock`` or ``InsufficientBalance``;
    after any of them nothing was charged or reserved.

    Stock is taken with ``SELECT … FOR UPDATE SKIP LOCKED``, so parallel orders never wait for
    each other's profiles and never get the same one; the ledger debit locks the partner row, so
    parallel orders never overspend.
    """
    if not idempotency_key:
        raise IdempotencyConflict("an idempotency key is required")
    _lock_idempotency_key(partner, idempotency_key)
    existing = (
        Order.objects.select_related("plan")
        .filter(partner=partner, idempotency_key=idempotency_key)
        .first()
    )
    if existing is not None:
        return _replay(existing, plan_code=plan_code, quantity=quantity)

    quantity = _check_quantity(quantity)
    if eid and not EID_RE.match(eid):
        raise InvalidEid("an EID is 32 digits")
    if traveler_language and traveler_language not in dict(settings.LANGUAGES):
        raise InvalidLanguage(
            f"traveler_language must be one of {', '.join(dict(settings.LANGUAGES))}"
        )
    plan = _sellable_plan(partner, plan_code)
    try:
        unit_price: Decimal = plan_price_for(partner=partner, plan=plan)
    except PriceUnavailable as exc:
        raise PlanNotAllowed(str(exc)) from exc
    pool_ids = plan_pool_ids(plan_id=plan.pk)
    profiles = profile_reserve_available(pool_ids=pool_ids, quantity=quantity) if pool_ids else []
    if len(profiles) < quantity:
        raise OutOfStock(f"only {len(profiles)} eSIM(s) of plan '{plan_code}' are in stock")

    total = unit_price * quantity
    order = Order.objects.create(
        partner=partner,
        plan=plan,
        quantity=quantity,
        currency=partner.currency,
        unit_price=unit_price,
        total_price=total,
        idempotency_key=idempotency_key,
        reference=reference or "",
        traveler_email=traveler_email or "",
        traveler_name=traveler_name or "",
        traveler_language=traveler_language or "",
        eid=eid or "",
    )
    Esim.objects.bulk_create(
        Esim(
            order=order,
            partner=partner,
            profile=profile,
            iccid=profile.iccid,
            eid=eid or "",
            data_mb=plan.data_mb,
            validity_days=plan.validity_days,
        )
        for profile in profiles
    )
    provisioning_job_create(kind=JobKind.PROVISION, order=order)
    # Last, so the partner row (locked by the debit) is held only until the commit.
    ledger_debit(partner=partner, amount=total, reference=f"order:{order.pk}")
    logger.info(
        "order_placed",
        extra={
            "order_id": order.pk,
            "partner_id": partner.pk,
            "plan": plan.code,
            "quantity": quantity,
            "total": str(total),
        },
    )
    return order
