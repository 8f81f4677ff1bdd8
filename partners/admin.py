"""Admin for partners, their keys, prices and ledger (webhooks: ``partners.webhooks.admin``).

API keys show only their prefix (the hash is never displayed) and are created and revoked on
the partner's staff page, which asks for a reason and writes the audit log; so are a
partner's status, currency, credit limit and prices. The ledger is read-only (a correction is
a new adjustment, posted through ``partners.services``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from coreesim.read_only_admin import ReadOnlyAdmin
from partners.models import ApiKey, LedgerEntry, Partner, PriceOverride
from partners.webhooks import admin as webhooks_admin  # noqa: F401  (registers its models)


class PriceOverrideInline(admin.TabularInline):
    model = PriceOverride
    fields = readonly_fields = ("plan", "price", "created_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ("display", "name", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = (
        "display",
        "name",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "parent", "currency", "credit_limit", "balance"]
    list_filter = ["status", "currency"]
    search_fields = ["name", "slug", "display_name"]
    # Money and standing change on the staff partner page: it keeps the ledger's rules (the
    # currency is fixed once money was booked) and asks for a reason.
    readonly_fields = ["status", "currency", "credit_limit", "group", "created_at", "updated_at"]
    autocomplete_fields = ["parent"]
    inlines = [PriceOverrideInline, ApiKeyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partner]:
        # The running balance the ledger trigger keeps: one joined row, not a sum per partner.
        return super().get_queryset(request).select_related("parent", "running_balance")

    @admin.display(description="balance", ordering="running_balance__amount")
    def balance(self, obj: Partner) -> str:
        running = getattr(obj, "running_balance", None)
        return f"{running.amount if running is not None else 0:.2f}"


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "display",
        "partner",
        "name",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "last_used_ip",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["=prefix", "partner__name", "partner__slug"]
    list_select_related = ["partner"]
    exclude = ["hashed_secret"]
    readonly_fields = [
        "partner",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "last_used_ip",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A key is shown once at creation: create it with create_api_key or the staff page.
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "partner", "kind", "amount", "currency", "reference", "actor"]
    list_filter = ["kind", "currency"]
    search_fields = ["partner__name", "partner__slug", "reference"]
    list_select_related = ["partner"]


@admin.register(PriceOverride)
class PriceOverrideAdmin(ReadOnlyAdmin):
    list_display = ["partner", "plan", "price"]
    search_fields = ["partner__name", "plan__code"]
    list_select_related = ["partner", "plan"]
