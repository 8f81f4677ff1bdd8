"""Reads about stock and sales that pages, the API and alerts share.

Definitions (docs/inventory.md has the long form):

- **available**: profiles of the pool in state ``available``, read from ``PoolStateCount`` (the
  per-pool per-state counts the database keeps with every write), never by counting profiles.
- **sold** on a day: profiles whose ``reserved_at`` falls on that day and that have not gone
  back to stock (state not ``available`` or ``cancelled``). Reservation is the moment a
  profile leaves stock for an order, so this works from profile rows alone, before and
  independently of the orders app.
- **days of cover**: available ÷ (sold in the last 7 days ÷ 7); ``None`` when nothing sold.
- A pool is **low** when its available count is below its ``low_water_mark``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from profiles.choices import ProfileState
from profiles.models import Plan, PoolStateCount, Profile, ProfilePool

COVER_WINDOW_DAYS = 7
NOT_SOLD = (ProfileState.AVAILABLE, ProfileState.CANCELLED)


def days_of_cover(
    *, available: int, sold: int, window_days: int = COVER_WINDOW_DAYS
) -> Decimal | None:
    """How many days ``available`` lasts at the average daily rate of ``sold`` over the window.

    ``None`` means "no sales, no end in sight"; the result is rounded to a tenth of a day.
    """
    if window_days < 1:
        raise ValueError("the window must be at least one day")
    if sold <= 0:
        return None
    cover = Decimal(available) * Decimal(window_days) / Decimal(sold)
    return cover.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Stock:
    available: int
    sold_in_window: int
    low_water_mark: int | None = None

    @property
    def days_of_cover(self) -> Decimal | None:
        return days_of_cover(available=self.available, sold=self.sold_in_window)

    @property
    def average_daily_sales(self) -> Decimal:
        return (Decimal(self.sold_in_window) / COVER_WINDOW_DAYS).quantize(Decimal("0.01"))

    @property
    def is_low(self) -> bool:
        return self.low_water_mark is not None and self.available < self.low_water_mark


def _window_start(now: datetime | None) -> datetime:
    return (now or timezone.now()) - timedelta(days=COVER_WINDOW_DAYS)


def _state_count(pools: QuerySet[ProfilePool], state: ProfileState) -> int:
    return int(
        PoolStateCount.objects.filter(pool__in=pools, state=state).aggregate(
            n=Coalesce(Sum("delta"), 0)
        )["n"]
    )


def _sold_since(pools: QuerySet[ProfilePool], since: datetime) -> int:
    """Reservations since ``since`` that did not go back to stock (on the reserved-at index)."""
    return (
        Profile.objects.filter(pool__in=pools, reserved_at__gte=since)
        .exclude(state__in=NOT_SOLD)
        .count()
    )


def pool_stock(*, pool: ProfilePool, now: datetime | None = None) -> Stock:
    pools = ProfilePool.objects.filter(pk=pool.pk)
    return Stock(
        _state_count(pools, ProfileState.AVAILABLE),
        _sold_since(pools, _window_start(now)),
        pool.low_water_mark,
    )


def pool_stock_list(*, now: datetime | None = None) -> list[tuple[ProfilePool, Stock]]:
    """Every pool with its stock in one query; its cost follows pools and recent sales.

    Available stock is the sum of the pool's ``PoolStateCount`` rows; sales are counted per
    pool on the ``(pool, reserved_at)`` index over the window only.
    """
    since = _window_start(now)
    available = (
        PoolStateCount.objects.filter(pool=OuterRef("pk"), state=ProfileState.AVAILABLE)
        .values("pool")
        .annotate(n=Sum("delta"))
        .values("n")
    )
    sold = (
        Profile.objects.filter(pool=OuterRef("pk"), reserved_at__gte=since)
        .exclude(state__in=NOT_SOLD)
        .values("pool")
        .annotate(n=Count("id"))
        .values("n")
    )
    zero = Value(0, output_field=IntegerField())
    rows = ProfilePool.objects.annotate(
        available=Coalesce(Subquery(available, output_field=IntegerField()), zero),
        sold=Coalesce(Subquery(sold, output_field=IntegerField()), zero),
    ).select_related("smdp_server")
    return [(p, Stock(p.available, p.sold, p.low_water_mark)) for p in rows]


def pools_below_low_water(*, now: datetime | None = None) -> list[tuple[ProfilePool, Stock]]:
    return [(pool, stock) for pool, stock in pool_stock_list(now=now) if stock.is_low]


def plan_stock(*, plan: Plan, now: datetime | None = None) -> Stock:
    """Stock for a plan: the active pools that serve it (a pool may serve several plans)."""
    pools = ProfilePool.objects.filter(plans=plan, is_active=True)
    return Stock(
        _state_count(pools, ProfileState.AVAILABLE), _sold_since(pools, _window_start(now))
    )


def sales_per_day(
    *,
    pool: ProfilePool | None = None,
    plan: Plan | None = None,
    days: int = COVER_WINDOW_DAYS,
    now: datetime | None = None,
) -> list[tuple[date, int]]:
    """Profiles sold per day (UTC) over the last ``days`` days, oldest first, zeros included."""
    end = (now or timezone.now()).date()
    start = end - timedelta(days=days - 1)
    profiles = Profile.objects.filter(reserved_at__date__gte=start).exclude(state__in=NOT_SOLD)
    if pool is not None:
        profiles = profiles.filter(pool=pool)
    if plan is not None:
        profiles = profiles.filter(pool__plans=plan)
    counted = dict(
        profiles.annotate(day=TruncDate("reserved_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [
        (start + timedelta(days=i), counted.get(start + timedelta(days=i), 0)) for i in range(days)
    ]


def pool_state_counts(*, pool: ProfilePool) -> dict[str, int]:
    """Profiles per state in one pool (every state listed, zeros included)."""
    counts = dict(
        PoolStateCount.objects.filter(pool=pool)
        .values_list("state")
        .annotate(n=Sum("delta"))
        .values_list("state", "n")
    )
    return {state.value: int(counts.get(state.value, 0)) for state in ProfileState}
