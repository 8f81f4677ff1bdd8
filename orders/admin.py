"""Read-only staff views of orders, eSIMs, top-ups, usage and the provisioning outbox.

Every write goes through ``orders.services`` (the staff pages call them); the admin only shows.
Activation codes are encrypted and never listed; the eSIM page shows none of them either.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from coreesim.read_only_admin import ReadOnlyAdmin
from orders.models import (
    Esim,
    EsimReissue,
    Order,
    ProvisioningJob,
    TopUp,
    UsageEvent,
    UsageRecord,
)


class EsimInline(admin.TabularInline):
    model = Esim
    fields = ("iccid", "status", "step", "failure_code", "failure_reason", "released_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "partner", "plan", "quantity", "status", "total_price", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("id", "reference", "idempotency_key", "partner__slug", "esims__iccid")
    list_select_related = ("partner", "plan")
    inlines = [EsimInline]


@admin.register(Esim)
class EsimAdmin(ReadOnlyAdmin):
    list_display = ("iccid", "order", "status", "step", "eid", "expires_at", "failure_code")
    list_filter = ("status", "step", "failure_outcome")
    search_fields = ("iccid", "eid", "order__id", "order__reference")
    exclude = ("activation_code",)
    list_select_related = ("order",)


@admin.register(ProvisioningJob)
class ProvisioningJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "order", "status", "sends", "next_attempt_at", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("order__id",)


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ("id", "esim", "plan", "price", "currency", "new_expires_at", "created_at")
    search_fields = ("esim__iccid",)


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = ("record_id", "esim", "used_mb", "period_start", "period_end")
    search_fields = ("record_id", "esim__iccid")


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyAdmin):
    list_display = ("esim", "kind", "period", "created_at")
    list_filter = ("kind",)
    search_fields = ("esim__iccid",)


@admin.register(EsimReissue)
class EsimReissueAdmin(ReadOnlyAdmin):
    list_display = ("esim", "old_iccid", "new_iccid", "reason", "actor", "created_at")
    search_fields = ("old_iccid", "new_iccid")
