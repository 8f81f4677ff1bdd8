"""Dashboard panels of the orders app: sales, and what needs a human."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone

from coreesim.staff.access import can
from coreesim.staff.charts import bar_chart
from coreesim.staff.choices import Capability
from coreesim.staff.dashboard import Panel, cached
from orders.choices import OrderStatus
from orders.models import Esim, Order
from partners.staff.access import visible_partner_ids
from profiles.choices import ProfileState
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
    now = timezone.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since30 = today - timedelta(days=29)
    sold = _orders(request).filter(created_at__gte=since30).exclude(status=OrderStatus.FAILED)
    periods = []
    for label, start in (
        ("Today", today),
        ("7 days", today - timedelta(days=6)),
        ("30 days", since30),
    ):
        rows = (
            sold.filter(created_at__gte=start)
            .values("currency")
            .annotate(n=Count("id"), revenue=Sum("total_price"))
            .order_by("currency")
        )
        periods.append(
            {
                "label": label,
                "orders": sum(r["n"] for r in rows),
                "revenue": [(r["currency"], r["revenue"]) for r in rows],
            }
        )
    per_day = dict(
        sold.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days = [(since30 + timedelta(days=i)).date() for i in range(30)]
    chart = bar_chart(
        [(d.strftime("%m-%d"), per_day.get(d, 0)) for d in days], title="Orders per day, 30 days"
    )
    return {"periods": periods, "chart": chart}


def attention_panel(request: HttpRequest) -> Panel | None:
    """Failed orders (7 days), orders stuck provisioning, profiles in error, odd notifications."""
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
    errors = Esim.objects.filter(profile__state=ProfileState.ERROR)
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
