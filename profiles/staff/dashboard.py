"""Dashboard panel of the inventory: stock and days of cover, low pools first."""

from __future__ import annotations

from django.http import HttpRequest

from coreesim.staff.access import can
from coreesim.staff.choices import Capability
from coreesim.staff.dashboard import Panel, cached
from profiles.models import ProfilePool
from profiles.selectors import Stock, pool_stock_list


def stock_panel(request: HttpRequest) -> Panel | None:
    if not can(request.user, Capability.VIEW_INVENTORY):
        return None
    return Panel("Stock", "staff/inventory/stock_table.html", _stock())


STOCK_CACHE = "stock"


def stock_rows() -> list[tuple[ProfilePool, Stock]]:
    """Every pool with its stock, low pools first; cached a minute (counting a million
    profiles takes longer than a page may), forgotten after each staff import."""
    return cached(
        STOCK_CACHE,
        None,
        lambda: sorted(pool_stock_list(), key=lambda row: (not row[1].is_low, row[0].name)),
    )


def _stock() -> dict[str, object]:
    return {"rows": stock_rows()[:15]}
