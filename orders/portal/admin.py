"""Staff views of page access and traveler emails; rotating a page link is an audited action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from coreesim.staff.services import audit_record
from orders.portal import services
from orders.portal.models import EsimAccessToken, TravelerEmail


@admin.register(EsimAccessToken)
class EsimAccessTokenAdmin(admin.ModelAdmin):
    list_display = ("esim", "language", "created_at", "rotated_at")
    list_filter = ("language",)
    search_fields = ("esim__id",)
    readonly_fields = ("esim", "token_digest", "language", "created_at", "rotated_at")
    exclude = ("token",)
    actions = ("rotate_page_link",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description="Rotate page link (the old link stops working)", permissions=["change"]
    )
    def rotate_page_link(self, request: HttpRequest, queryset: QuerySet[EsimAccessToken]) -> None:
        for access in queryset.select_related("esim"):
            with transaction.atomic():
                services.access_token_rotate(esim=access.esim, actor=request.user.get_username())
                audit_record(action="esim.page_link_rotated", request=request, target=access.esim)
        self.message_user(
            request, f"{queryset.count()} page link(s) rotated.", level=messages.SUCCESS
        )


@admin.register(TravelerEmail)
class TravelerEmailAdmin(admin.ModelAdmin):
    list_display = (
        "esim",
        "kind",
        "status",
        "language",
        "attempts",
        "next_attempt_at",
        "created_at",
        "sent_at",
    )
    list_filter = ("kind", "status", "language")
    readonly_fields = [f.name for f in TravelerEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
