"""The Django admin site, which only serves users who passed the second factor.

The staff middleware already sends a password-only session to the verify page; this site
checks again, so no routing mistake in front of ``/admin/`` can open it with a password alone.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

from coreesim.staff.second_factor import second_factor_passed


class StaffAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and second_factor_passed(request.user)


class StaffAdminConfig(AdminConfig):
    default_site = "coreesim.staff.admin_site.StaffAdminSite"
