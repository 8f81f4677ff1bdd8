"""SM-DP+ server pages: health list, detail with calls, certificate upload, test connection."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from coreesim.staff.access import can, require
from coreesim.staff.choices import Capability
from coreesim.staff.selectors import audit_for_object
from coreesim.staff.services import audit_record
from smdp_client.models import Es2Call, SmdpServer
from smdp_client.services import server_test_connection
from smdp_client.staff.certificates import (
    CertificateRefused,
    certificate_info,
    smdp_server_certificate_set,
)
from smdp_client.staff.forms import CertificateForm
from smdp_client.staff.selectors import server_health, servers_health

C = Capability


@require(C.VIEW_SMDP)
def server_list(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/smdp/list.html", {"servers": servers_health()})


@require(C.VIEW_SMDP)
def server_detail(request: HttpRequest, pk: int) -> HttpResponse:
    server = get_object_or_404(SmdpServer, pk=pk)
    return render(
        request,
        "staff/smdp/detail.html",
        {
            "health": server_health(server=server, errors=10),
            "calls": Es2Call.objects.filter(server=server).order_by("-started_at")[:30],
            "audit": audit_for_object(object_type="smdp_client.smdpserver", object_id=server.pk)[
                :20
            ],
            "can_manage": can(request.user, C.MANAGE_SMDP),
        },
    )


@require_POST
@require(C.MANAGE_SMDP)
def server_test(request: HttpRequest, pk: int) -> HttpResponse:
    """One harmless ES2+ probe; the report is shown and the attempt audited."""
    server = get_object_or_404(SmdpServer, pk=pk)
    report = server_test_connection(server=server)
    audit_record(
        action="smdp.test_connection",
        request=request,
        target=server,
        after={"ok": report.ok, "report": str(report)},
    )
    return render(
        request,
        "staff/smdp/test_report.html",
        {"server": server, "report": report},
    )


@require(C.MANAGE_SMDP)
def server_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    server = get_object_or_404(SmdpServer, pk=pk)
    form = CertificateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        before = certificate_info(server.client_certificate)
        try:
            with transaction.atomic():
                info = smdp_server_certificate_set(
                    server=server,
                    certificate_pem=data["certificate_pem"],
                    private_key_pem=data["private_key_pem"],
                    ca_bundle_pem=data.get("ca_bundle", ""),
                )
                audit_record(
                    action="smdp.certificate_set",
                    request=request,
                    target=server,
                    before={"subject": before.subject, "not_after": before.not_after}
                    if before
                    else None,
                    after={"subject": info.subject, "not_after": info.not_after},
                    reason=data["reason"],
                    reason_required=True,
                )
        except CertificateRefused as exc:
            form.add_error(None, str(exc))
        else:
            if info.expiring_soon:
                messages.warning(
                    request, f"Certificate stored, but it expires in {info.days_left} days."
                )
            else:
                messages.success(request, f"Certificate stored; valid for {info.days_left} days.")
            return HttpResponseRedirect(reverse("staff_smdp:detail", args=[server.pk]))
    return render(request, "staff/smdp/certificate.html", {"server": server, "form": form})
