"""The dashboard is a list of panels that the apps' staff packages provide.

The shell cannot import the business apps (coreesim imports no app), so it names their panel
functions here as dotted paths and loads them at request time. A panel function takes the
request and returns a ``Panel`` (or None when the user's role may not see it).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.core.cache import cache
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

# Dashboard numbers may be this old: with a million profiles the counts behind a panel cost
# more than a page may take, and a minute-old count is as useful to a human as a fresh one.
PANEL_CACHE_SECONDS = 60

T = TypeVar("T")


def _key(name: str, scope: Iterable[int] | None) -> str:
    scope_key = "all" if scope is None else ",".join(str(i) for i in sorted(scope)) or "none"
    return f"staff:panel:{name}:{hashlib.sha256(scope_key.encode()).hexdigest()[:16]}"


def cached(name: str, scope: Iterable[int] | None, compute: Callable[[], T]) -> T:
    """``compute()`` cached for ``PANEL_CACHE_SECONDS`` per panel and partner scope."""
    return cast(T, cache.get_or_set(_key(name, scope), compute, PANEL_CACHE_SECONDS))


def forget(name: str, scope: Iterable[int] | None = None) -> None:
    """Drop a cached panel now (e.g. stock after an import) instead of waiting a minute."""
    cache.delete(_key(name, scope))


@functools.cache
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
