"""Dashboard panel of the SM-DP+ servers: health per server."""

from __future__ import annotations

from django.http import HttpRequest

from coreesim.staff.access import can
from coreesim.staff.choices import Capability
from coreesim.staff.dashboard import Panel, cached
from smdp_client.staff.selectors import servers_health


def smdp_panel(request: HttpRequest) -> Panel | None:
    if not can(request.user, Capability.VIEW_SMDP):
        return None
    return Panel(
        "SM-DP+ health",
        "staff/smdp/health_table.html",
        cached("smdp", None, lambda: {"servers": servers_health()}),
    )
