"""Dashboard panels of the orders app: sales, and what needs a human."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from coreesim.staff.access import can
from coreesim.staff.charts import bar_chart
from coreesim.staff.choices import Capability
from coreesim.staff.dashboard import Panel, cached
from orders.choices import EsimStatus, FailureOutcome, OrderStatus
from orders.models import Esim, Order, SalesDay
from partners.staff.access import visible_partner_ids
from smdp_client.selectors import notifications_needing_attention

STUCK_AFTER = timedelta(minutes=15)


def _orders(request: HttpRequest) -> QuerySet[Order]:
    ids = visible_partner_ids(request.user)
    return Order.objects.all() if ids is None else Order.objects.filter(partner_id__in=ids)


def sales_panel(request: HttpRequest) -> Panel | None:
    """Orders and revenue today / 7 days / 30 days (per currency), orders per day chart."""
    if not can(request.user, Capability.VIEW_ORDERS):
        return None
    ids = visible_partner_ids(request.user)
    return Panel(
        "Sales",
        "staff/dashboard/sales.html",
        cached("sales", ids, lambda: _sales(request)),
        wide=True,
    )


def _sales(request: HttpRequest) -> dict[str, object]:
    """From the ``SalesDay`` rollup: at most 30 rows per partner, whatever the order volume."""
    today = timezone.now().date()
    since30 = today - timedelta(days=29)
    days = SalesDay.objects.filter(day__gte=since30)
    ids = visible_partner_ids(request.user)
    if ids is not None:
        days = days.filter(partner_id__in=ids)
    rows = list(
        days.values("day", "currency")
        .annotate(n=Sum("orders"), revenue=Sum("revenue"))
        .order_by("day", "currency")
    )
    periods = []
    for label, start in (
        ("Today", today),
        ("7 days", today - timedelta(days=6)),
        ("30 days", since30),
    ):
        orders: dict[str, int] = defaultdict(int)
        revenue: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:
            if row["day"] >= start:
                orders[row["currency"]] += row["n"]
                revenue[row["currency"]] += row["revenue"]
        periods.append(
            {
                "label": label,
                "orders": sum(orders.values()),
                "revenue": [(c, revenue[c]) for c in sorted(orders) if orders[c]],
            }
        )
    per_day: dict[date, int] = defaultdict(int)
    for row in rows:
        per_day[row["day"]] += row["n"]
    chart = bar_chart(
        [
            (d.strftime("%m-%d"), per_day[d])
            for d in (since30 + timedelta(days=i) for i in range(30))
        ],
        title="Orders per day, 30 days",
    )
    return {"periods": periods, "chart": chart}


def attention_panel(request: HttpRequest) -> Panel | None:
    """Failed orders (7 days), stuck orders, quarantined profiles, notifications to check."""
    if not can(request.user, Capability.VIEW_ORDERS):
        return None
    ids = visible_partner_ids(request.user)
    scope = "attention" if can(request.user, Capability.ALL_PARTNERS) else "attention-scoped"
    return Panel(
        "Needs a human",
        "staff/dashboard/attention.html",
        cached(scope, ids, lambda: _attention(request)),
    )


def _attention(request: HttpRequest) -> dict[str, object]:
    now = timezone.now()
    orders = _orders(request).select_related("partner", "plan")
    failed = orders.filter(status=OrderStatus.FAILED, created_at__gte=now - timedelta(days=7))
    stuck = orders.filter(status=OrderStatus.PROVISIONING, created_at__lt=now - STUCK_AFTER)
    ids = visible_partner_ids(request.user)
    errors = Esim.objects.filter(
        status=EsimStatus.FAILED, failure_outcome=FailureOutcome.QUARANTINED
    ).order_by("-id")
    if ids is not None:
        errors = errors.filter(order__partner_id__in=ids)
    notes = (
        notifications_needing_attention() if can(request.user, Capability.ALL_PARTNERS) else None
    )
    return {
        "failed": list(failed.order_by("-created_at")[:10]),
        "failed_count": failed.count(),
        "stuck": list(stuck.order_by("created_at")[:10]),
        "stuck_count": stuck.count(),
        "errors": list(errors.select_related("order")[:10]),
        "notifications": list(notes[:10]) if notes is not None else [],
    }
