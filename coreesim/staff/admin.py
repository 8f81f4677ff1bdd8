from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from coreesim.staff.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by ``audit_record`` and never edited."""

    list_display = ["at", "actor_username", "ip_address", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_username", "object_id", "object_repr", "reason"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False
