"""Inventory pages: pools with stock and days of cover, imports with a live progress bar."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from coreesim.staff.access import can, require, staff_user
from coreesim.staff.choices import Capability
from coreesim.staff.paging import paginate
from coreesim.staff.services import audit_record
from profiles.models import ProfileImport
from profiles.services.imports import import_queue
from profiles.staff.dashboard import stock_rows
from profiles.staff.forms import ImportForm
from profiles.staff.progress import import_for_token, import_progress, upload_path
from profiles.staff.tasks import staff_pool_import
from profiles.staff.uploads import upload_store

C = Capability


@require(C.VIEW_INVENTORY)
def pool_list(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/inventory/pools.html", {"rows": stock_rows()})


@require(C.MANAGE_INVENTORY)
def import_new(request: HttpRequest) -> HttpResponse:
    """Store the upload, queue the import for a worker, and go to its progress page."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        pool, upload = form.cleaned_data["pool"], form.cleaned_data["file"]
        token = upload_store(upload.chunks())
        with transaction.atomic():
            record = import_queue(
                pool=pool,
                path=upload_path(token),
                skip_invalid=form.cleaned_data["skip_invalid"],
                actor=f"staff:{staff_user(request).get_username()}",
            )
            audit_record(
                action="inventory.import",
                request=request,
                target=pool,
                after={
                    "file": upload.name,
                    "bytes": upload.size,
                    "token": token,
                    "skip_invalid": form.cleaned_data["skip_invalid"],
                },
            )
            kwargs = {"import_id": record.pk}
            transaction.on_commit(lambda: staff_pool_import.apply_async(kwargs=kwargs))
        return HttpResponseRedirect(reverse("staff_inventory:import_watch", args=[token]))
    return render(request, "staff/inventory/import_new.html", {"form": form})


@require(C.VIEW_INVENTORY)
def import_watch(request: HttpRequest, token: str) -> HttpResponse:
    progress = import_progress(token)
    if progress is None:
        raise Http404("No such import.")
    return render(
        request,
        "staff/inventory/import_watch.html",
        {
            "token": token,
            "progress": progress,
            "record": import_for_token(token) if progress.finished else None,
        },
    )


@require(C.VIEW_INVENTORY)
def import_progress_json(request: HttpRequest, token: str) -> JsonResponse:
    progress = import_progress(token)
    if progress is None:
        raise Http404("No such import.")
    data = progress.as_dict()
    data["result_html_url"] = (
        reverse("staff_inventory:import_result", args=[progress.import_id])
        if progress.import_id and progress.finished
        else ""
    )
    return JsonResponse(data)


@require(C.VIEW_INVENTORY)
def import_result(request: HttpRequest, pk: int) -> HttpResponse:
    """The result block the progress page loads when the import has finished."""
    record = get_object_or_404(ProfileImport.objects.select_related("pool"), pk=pk)
    return render(request, "staff/inventory/import_result.html", {"record": record})


@require(C.VIEW_INVENTORY)
def import_list(request: HttpRequest) -> HttpResponse:
    qs = ProfileImport.objects.select_related("pool").order_by("-created_at")
    return render(
        request,
        "staff/inventory/imports.html",
        {"page": paginate(request, qs), "can_import": can(request.user, C.MANAGE_INVENTORY)},
    )


@require(C.VIEW_INVENTORY)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(ProfileImport.objects.select_related("pool"), pk=pk)
    return render(request, "staff/inventory/import_detail.html", {"record": record})


@require(C.VIEW_INVENTORY)
def import_errors_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Every rejected line when a reject report was written, else the errors kept on the row."""
    record = get_object_or_404(ProfileImport, pk=pk)
    report = Path(record.report_path) if record.report_path else None
    if report is not None and report.is_file():
        return FileResponse(
            report.open("rb"), as_attachment=True, filename=f"import-{record.pk}-rejects.csv"
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{record.pk}-errors.csv"'
    writer = csv.writer(response)
    writer.writerow(["line", "column", "code", "message"])
    for e in record.errors:
        writer.writerow(
            [e.get("line") or "", e.get("column", ""), e.get("code", ""), e.get("message", "")]
        )
    return response
