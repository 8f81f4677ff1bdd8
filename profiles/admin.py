"""Admin for the catalogue and the inventory.

Profiles and their history are read-only here: state changes go through
``profiles.services`` (which checks the lifecycle and writes history), and profiles arrive by
import. Secrets (PIN/PUK, matching ID, activation code) are never displayed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from coreesim.read_only_admin import ReadOnlyAdmin
from profiles.models import (
    Country,
    Network,
    Plan,
    PoolStateCount,
    Profile,
    ProfileEvent,
    ProfileImport,
    ProfilePool,
    Region,
)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "iso2", "iso3", "mcc_list"]
    search_fields = ["name", "iso2", "iso3"]

    @admin.display(description="MCCs")
    def mcc_list(self, obj: Country) -> str:
        return ", ".join(obj.mccs)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "country_count"]
    search_fields = ["name", "code"]
    filter_horizontal = ["countries"]

    @admin.display(description="countries")
    def country_count(self, obj: Region) -> int:
        return obj.countries.count()


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["operator", "mcc_mnc", "country", "lte", "nr"]
    list_filter = ["lte", "nr", "country"]
    search_fields = ["operator", "mcc", "mnc", "country__name"]
    list_select_related = ["country"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "country",
        "region",
        "data_mb",
        "validity_days",
        "is_top_up",
        "is_active",
        "wholesale_cost",
        "retail_price",
        "currency",
    ]
    list_filter = ["is_active", "is_top_up", "currency", "region"]
    search_fields = ["code", "name"]
    list_select_related = ["country", "region"]
    autocomplete_fields = ["country", "region"]


@admin.register(PoolStateCount)
class PoolStateCountAdmin(ReadOnlyAdmin):
    """The database keeps these rows (triggers); a hand edit would make the stock wrong."""

    list_display = ["pool", "state", "delta"]
    list_filter = ["state", "pool"]
    list_select_related = ["pool"]


@admin.register(ProfilePool)
class ProfilePoolAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "smdp_server",
        "profile_type",
        "version_label",
        "low_water_mark",
        "is_active",
    ]
    list_filter = ["is_active", "smdp_server"]
    search_fields = ["name", "profile_type"]
    filter_horizontal = ["plans"]


class ProfileEventInline(admin.TabularInline):
    model = ProfileEvent
    fields = ("created_at", "from_state", "to_state", "source", "actor", "reason")
    readonly_fields = ("created_at", "from_state", "to_state", "source", "actor", "reason")
    extra = 0
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Profile)
class ProfileAdmin(ReadOnlyAdmin):
    list_display = ["iccid", "pool", "state", "eid", "imsi", "state_changed_at", "created_at"]
    list_filter = ["state", "pool"]
    search_fields = ["=iccid", "=eid", "=imsi"]
    list_select_related = ["pool"]
    show_full_result_count = False
    exclude = [
        "activation_code",
        "matching_id",
        "confirmation_code",
        "pin1",
        "puk1",
        "pin2",
        "puk2",
    ]
    inlines = [ProfileEventInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing is allowed to anyone with the view permission; nothing is editable.
        return False


@admin.register(ProfileEvent)
class ProfileEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "profile", "from_state", "to_state", "source", "actor"]
    list_filter = ["source", "to_state"]
    search_fields = ["=profile__iccid", "=profile__eid", "actor"]
    list_select_related = ["profile"]
    show_full_result_count = False


@admin.register(ProfileImport)
class ProfileImportAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "pool",
        "filename",
        "status",
        "total",
        "imported",
        "rejected",
        "error_count",
        "actor",
    ]
    list_filter = ["status", "pool"]
    search_fields = ["filename", "actor"]
