"""Reads about stock and sales that pages, the API and alerts share.

Definitions (docs/inventory.md has the long form):

- **available**: profiles of the pool in state ``available`` (counted on the partial index).
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

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from profiles.choices import ProfileState
from profiles.models import Plan, Profile, ProfilePool

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


def _stock_counts(profiles: QuerySet[Profile], since: datetime) -> dict[str, int]:
    return profiles.aggregate(
        available=Count("id", filter=Q(state=ProfileState.AVAILABLE)),
        sold=Count("id", filter=Q(reserved_at__gte=since) & ~Q(state__in=NOT_SOLD)),
    )


def pool_stock(*, pool: ProfilePool, now: datetime | None = None) -> Stock:
    counts = _stock_counts(Profile.objects.filter(pool=pool), _window_start(now))
    return Stock(counts["available"], counts["sold"], pool.low_water_mark)


def pool_stock_list(*, now: datetime | None = None) -> list[tuple[ProfilePool, Stock]]:
    """Every pool with its stock, one grouped query."""
    since = _window_start(now)
    rows = ProfilePool.objects.annotate(
        available=Count("profiles", filter=Q(profiles__state=ProfileState.AVAILABLE)),
        sold=Count(
            "profiles",
            filter=Q(profiles__reserved_at__gte=since) & ~Q(profiles__state__in=NOT_SOLD),
        ),
    ).select_related("smdp_server")
    return [(p, Stock(p.available, p.sold, p.low_water_mark)) for p in rows]


def pools_below_low_water(*, now: datetime | None = None) -> list[tuple[ProfilePool, Stock]]:
    return [(pool, stock) for pool, stock in pool_stock_list(now=now) if stock.is_low]


def plan_stock(*, plan: Plan, now: datetime | None = None) -> Stock:
    """Stock for a plan: the active pools that serve it (a pool may serve several plans)."""
    profiles = Profile.objects.filter(pool__plans=plan, pool__is_active=True)
    counts = _stock_counts(profiles, _window_start(now))
    return Stock(counts["available"], counts["sold"])


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
        Profile.objects.filter(pool=pool)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {state.value: counts.get(state.value, 0) for state in ProfileState}
