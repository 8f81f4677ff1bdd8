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

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from profiles.choices import ImportStatus, ProfileState
from profiles.models import Plan, PoolStateCount, Profile, ProfileImport, ProfilePool

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


def _available_by_pool(pool_ids: list[int]) -> dict[int, int]:
    rows = (
        PoolStateCount.objects.filter(pool_id__in=pool_ids, state=ProfileState.AVAILABLE)
        .values_list("pool_id")
        .annotate(n=Sum("delta"))
        .values_list("pool_id", "n")
    )
    return {pool_id: int(n) for pool_id, n in rows}


def _sold_by_pool(pool_ids: list[int], since: datetime) -> dict[int, int]:
    """Reservations since ``since`` that did not go back to stock, on the reserved-at index."""
    rows = (
        Profile.objects.filter(pool_id__in=pool_ids, reserved_at__gte=since)
        .exclude(state__in=NOT_SOLD)
        .values_list("pool_id")
        .annotate(n=Count("id"))
        .values_list("pool_id", "n")
    )
    return dict(rows)


def _stock_of(pool_ids: list[int], now: datetime | None) -> tuple[int, int]:
    available = _available_by_pool(pool_ids)
    sold = _sold_by_pool(pool_ids, _window_start(now))
    return sum(available.values()), sum(sold.values())


def pool_stock(*, pool: ProfilePool, now: datetime | None = None) -> Stock:
    available, sold = _stock_of([pool.pk], now)
    return Stock(available, sold, pool.low_water_mark)


def pool_stock_list(*, now: datetime | None = None) -> list[tuple[ProfilePool, Stock]]:
    """Every pool with its stock; the cost follows the number of pools and recent sales.

    Three small queries: the pools, their available counts (``PoolStateCount`` rows), their
    sales in the window (the ``(pool, reserved_at)`` index). No profile is counted, and no
    correlated subquery makes the planner guess a cost per pool (on a freshly imported
    table the guess was high enough to switch on JIT compilation, 20 ms for a 1 ms query).
    """
    pools = list(ProfilePool.objects.select_related("smdp_server"))
    pool_ids = [pool.pk for pool in pools]
    available = _available_by_pool(pool_ids)
    sold = _sold_by_pool(pool_ids, _window_start(now))
    return [
        (pool, Stock(available.get(pool.pk, 0), sold.get(pool.pk, 0), pool.low_water_mark))
        for pool in pools
    ]


def pools_below_low_water(*, now: datetime | None = None) -> list[tuple[ProfilePool, Stock]]:
    return [(pool, stock) for pool, stock in pool_stock_list(now=now) if stock.is_low]


def plan_pool_ids(*, plan_id: int) -> list[int]:
    """The active pools that serve a plan (a pool may serve several plans): where its stock is."""
    return list(
        ProfilePool.objects.filter(plans=plan_id, is_active=True).values_list("pk", flat=True)
    )


def plan_stock(*, plan: Plan, now: datetime | None = None) -> Stock:
    """Stock for a plan: the active pools that serve it."""
    return Stock(*_stock_of(plan_pool_ids(plan_id=plan.pk), now))


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


def imports_unattended(*, files_under: str, idle_since: datetime) -> list[int]:
    """Imports of files under ``files_under`` that no worker may be running: queued before
    ``idle_since`` (their task was lost) or running since before it (their worker may have
    died; a live run refuses a second task, so asking one too many is harmless)."""
    return list(
        ProfileImport.objects.filter(
            Q(status=ImportStatus.PENDING, created_at__lt=idle_since)
            | Q(status=ImportStatus.RUNNING, started_at__lt=idle_since),
            filename__startswith=files_under,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
