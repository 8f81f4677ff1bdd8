"""Stock, sales per day and days of cover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profiles.choices import ProfileState
from profiles.selectors import (
    days_of_cover,
    plan_stock,
    pool_state_counts,
    pool_stock,
    pool_stock_list,
    pools_below_low_water,
    sales_per_day,
)
from tests.factories.profiles import PlanFactory, ProfileFactory, ProfilePoolFactory

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_cover_is_available_over_the_average_daily_sales() -> None:
    # 70 sold in 7 days = 10 a day; 25 left = 2.5 days
    assert days_of_cover(available=25, sold=70) == Decimal("2.5")


def test_cover_is_rounded_to_a_tenth_of_a_day() -> None:
    # 3 sold in 7 days; 10 left = 23.333… days
    assert days_of_cover(available=10, sold=3) == Decimal("23.3")
    assert days_of_cover(available=1, sold=2) == Decimal("3.5")


def test_no_sales_means_no_end_in_sight() -> None:
    assert days_of_cover(available=100, sold=0) is None


def test_nothing_left_is_zero_days() -> None:
    assert days_of_cover(available=0, sold=5) == Decimal("0.0")


@given(st.integers(0, 10**7), st.integers(1, 10**6))
def test_cover_times_daily_rate_gives_back_the_stock(available: int, sold: int) -> None:
    cover = days_of_cover(available=available, sold=sold)
    assert cover is not None
    # Rounded to a tenth of a day: off by at most half a tenth, compared in exact integers.
    tenths = int(cover * 10)
    assert abs(tenths * sold - available * 70) <= 5 * sold


def _sold(pool, days_ago: float, state: ProfileState = ProfileState.RELEASED) -> None:
    ProfileFactory(pool=pool, state=state, reserved_at=NOW - timedelta(days=days_ago))


@pytest.mark.django_db
def test_pool_stock_counts_available_and_sales_in_the_last_seven_days() -> None:
    pool = ProfilePoolFactory(low_water_mark=5)
    ProfileFactory.create_batch(3, pool=pool)
    _sold(pool, 1)
    _sold(pool, 6.9, ProfileState.INSTALLED)
    _sold(pool, 8)  # outside the window
    _sold(pool, 2, ProfileState.AVAILABLE)  # returned to stock: not a sale
    _sold(pool, 2, ProfileState.CANCELLED)  # cancelled: not a sale

    stock = pool_stock(pool=pool, now=NOW)

    assert (stock.available, stock.sold_in_window) == (4, 2)
    assert stock.days_of_cover == Decimal("14.0")
    assert stock.is_low


@pytest.mark.django_db
def test_pools_below_their_low_water_mark_are_listed() -> None:
    low = ProfilePoolFactory(low_water_mark=3)
    ok = ProfilePoolFactory(low_water_mark=1)
    ProfileFactory.create_batch(2, pool=low)
    ProfileFactory.create_batch(2, pool=ok)

    assert [pool for pool, _ in pools_below_low_water(now=NOW)] == [low]
    assert {pool.pk: stock.available for pool, stock in pool_stock_list(now=NOW)} == {
        low.pk: 2,
        ok.pk: 2,
    }


@pytest.mark.django_db
def test_plan_stock_sums_the_active_pools_that_serve_it() -> None:
    plan = PlanFactory()
    ProfileFactory.create_batch(2, pool=ProfilePoolFactory(plans=[plan]))
    ProfileFactory.create_batch(3, pool=ProfilePoolFactory(plans=[plan]))
    ProfileFactory.create_batch(4, pool=ProfilePoolFactory(plans=[plan], is_active=False))
    ProfileFactory.create_batch(5, pool=ProfilePoolFactory())

    assert plan_stock(plan=plan, now=NOW).available == 5


@pytest.mark.django_db
def test_sales_per_day_lists_every_day_oldest_first() -> None:
    pool = ProfilePoolFactory()
    _sold(pool, 0)
    _sold(pool, 0)
    _sold(pool, 2)

    days = sales_per_day(pool=pool, days=3, now=NOW)

    assert days == [
        (NOW.date() - timedelta(days=2), 1),
        (NOW.date() - timedelta(days=1), 0),
        (NOW.date(), 2),
    ]


@pytest.mark.django_db
def test_state_counts_list_every_state() -> None:
    pool = ProfilePoolFactory()
    ProfileFactory(pool=pool)
    _sold(pool, 1)
    counts = pool_state_counts(pool=pool)
    assert counts["available"] == 1
    assert counts["released"] == 1
    assert counts["retired"] == 0
