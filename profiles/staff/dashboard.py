"""Dashboard panel of the inventory: stock and days of cover, low pools first."""

from __future__ import annotations

from django.http import HttpRequest

from coreesim.staff.access import can
from coreesim.staff.choices import Capability
from coreesim.staff.dashboard import Panel
from profiles.selectors import pool_stock_list


def stock_panel(request: HttpRequest) -> Panel | None:
    if not can(request.user, Capability.VIEW_INVENTORY):
        return None
    rows = sorted(pool_stock_list(), key=lambda row: (not row[1].is_low, row[0].name))
    return Panel("Stock", "staff/inventory/stock_table.html", {"rows": rows[:15]})
