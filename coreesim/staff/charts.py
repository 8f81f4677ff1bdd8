"""Server-rendered SVG charts: no chart library, no script, nothing for the CSP to refuse."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD_BOTTOM, PAD_TOP = 600, 140, 18, 14


def bar_chart(points: Sequence[tuple[str, int | float | Decimal]], *, title: str) -> SafeString:
    """Bars for ``(label, value)`` pairs; every 5th label is written under the axis."""
    if not points:
        return format_html('<p class="hint">{}</p>', "No data yet.")
    top = max(float(v) for _, v in points) or 1.0
    slot = WIDTH / len(points)
    plot = HEIGHT - PAD_BOTTOM - PAD_TOP
    bars = []
    for i, (label, value) in enumerate(points):
        h = plot * float(value) / top
        x, y = i * slot + 1, PAD_TOP + plot - h
        bars.append((f"{x:.1f}", f"{y:.1f}", f"{max(slot - 2, 1):.1f}", f"{h:.1f}", label, value))
    rects = format_html_join(
        "",
        '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
        bars,
    )
    labels = format_html_join(
        "",
        '<text x="{}" y="{}">{}</text>',
        (
            (f"{i * slot + 1:.1f}", HEIGHT - 4, label)
            for i, (label, _) in enumerate(points)
            if i % 5 == 0
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">'
        '<title>{}</title><text x="{}" y="10">max {}</text>{}{}</svg>',
        WIDTH,
        HEIGHT,
        title,
        title,
        WIDTH - 60,
        f"{top:g}",
        rects,
        labels,
    )
