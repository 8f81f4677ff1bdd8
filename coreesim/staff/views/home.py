"""The staff dashboard: the panels of every app that the user's role may see."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coreesim.staff.access import require
from coreesim.staff.dashboard import panels_for


@require()
def dashboard_view(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/dashboard.html", {"panels": panels_for(request)})
