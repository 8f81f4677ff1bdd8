"""The audit log: read-only list with filters, and the same selection as CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from coreesim.staff.access import require
from coreesim.staff.choices import Capability
from coreesim.staff.forms import AuditFilterForm
from coreesim.staff.paging import paginate
from coreesim.staff.selectors import audit_list

CSV_COLUMNS = [
    "at",
    "actor",
    "ip_address",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "reason",
    "before",
    "after",
]


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, dict[str, Any]]:
    form = AuditFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


@require(Capability.VIEW_AUDIT)
def audit_list_view(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = paginate(request, audit_list(filters=filters).select_related(None))
    return render(
        request,
        "staff/audit/list.html",
        {"form": form, "page": page, "export_query": request.GET.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: neutralise it.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _rows(filters: dict[str, Any]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for e in audit_list(filters=filters).iterator(chunk_size=2000):
        yield writer.writerow(
            [
                e.at.isoformat(),
                _csv_safe(e.actor_username),
                e.ip_address or "",
                e.action,
                e.object_type,
                _csv_safe(e.object_id),
                _csv_safe(e.object_repr),
                _csv_safe(e.reason),
                json.dumps(e.before, sort_keys=True) if e.before is not None else "",
                json.dumps(e.after, sort_keys=True) if e.after is not None else "",
            ]
        )


@require(Capability.VIEW_AUDIT)
def audit_export_view(request: HttpRequest) -> StreamingHttpResponse:
    _, filters = _filters(request)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(_rows(filters), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
