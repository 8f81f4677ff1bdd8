"""The dashboard is a list of panels that the apps' staff packages provide.

The shell cannot import the business apps (coreesim imports no app), so it names their panel
functions here as dotted paths and loads them at request time. A panel function takes the
request and returns a ``Panel`` (or None when the user's role may not see it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

PANELS: list[str] = [
    "orders.staff.dashboard.sales_panel",
    "orders.staff.dashboard.attention_panel",
    "profiles.staff.dashboard.stock_panel",
    "smdp_client.staff.dashboard.smdp_panel",
    "partners.staff.dashboard.webhook_panel",
]


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    wide: bool = False


PanelFunction = Callable[[HttpRequest], Panel | None]


@cache
def _panel_functions() -> tuple[PanelFunction, ...]:
    return tuple(import_string(path) for path in PANELS)


@dataclass(frozen=True)
class RenderedPanel:
    title: str
    html: SafeString
    wide: bool


def panels_for(request: HttpRequest) -> list[RenderedPanel]:
    """Every panel the user may see, rendered with its own template."""
    rendered = []
    for fn in _panel_functions():
        panel = fn(request)
        if panel is not None:
            html = render_to_string(panel.template, panel.context, request=request)
            rendered.append(RenderedPanel(panel.title, mark_safe(html), panel.wide))  # noqa: S308
    return rendered
