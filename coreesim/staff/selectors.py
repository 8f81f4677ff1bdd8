"""Reads of the staff shell: the audit log, filtered the same way for the page and the CSV."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from coreesim.staff.models import AuditLog


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_list(*, filters: dict[str, Any] | None = None) -> QuerySet[AuditLog]:
    """Audit entries, newest first, narrowed by the audit filter form's cleaned data."""
    f = filters or {}
    qs = AuditLog.objects.all()
    if f.get("actor"):
        qs = qs.filter(actor_username__iexact=f["actor"])
    if f.get("action"):
        qs = qs.filter(action__startswith=f["action"])
    if f.get("object_type"):
        qs = qs.filter(object_type=f["object_type"])
    if f.get("object_id"):
        qs = qs.filter(object_id=f["object_id"])
    if f.get("since"):
        qs = qs.filter(at__gte=_day_start(f["since"]))
    if f.get("until"):
        qs = qs.filter(at__lt=_day_start(f["until"] + timedelta(days=1)))
    if f.get("q"):
        qs = qs.filter(Q(reason__icontains=f["q"]) | Q(object_repr__icontains=f["q"]))
    return qs.order_by("-at", "-id")


def audit_for_object(*, object_type: str, object_id: str | int) -> QuerySet[AuditLog]:
    """What staff did to one object (the timeline of a detail page)."""
    return AuditLog.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        "-at", "-id"
    )
