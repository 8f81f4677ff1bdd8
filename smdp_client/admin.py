"""Staff views of SM-DP+ servers, the ES2+ call log, notifications and the failure table.

Actions write no ``LogEntry`` of Django's own, so each one writes its audit entry itself,
and each needs the model's change permission.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from redis.exceptions import RedisError

from coreesim.staff.services import audit_record
from smdp_client import guard
from smdp_client.classification import forget_cached_rules
from smdp_client.models import Es2Call, Es2Notification, FailureRule, SmdpServer
from smdp_client.selectors import circuit_status
from smdp_client.services import notifications_acknowledge, server_test_connection


@admin.register(SmdpServer)
class SmdpServerAdmin(admin.ModelAdmin):
    list_display = ("name", "base_url", "smdp_address", "enabled", "circuit")
    list_filter = ("enabled",)
    search_fields = ("name", "base_url", "smdp_address", "requester_id")
    actions = ("test_connection", "reset_circuit")
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description="Circuit breaker")
    def circuit(self, server: SmdpServer) -> str:
        try:
            status = circuit_status(server=server)
        except RedisError:
            return "unknown (Redis unreachable)"
        text = f"{status.state.label}, {status.in_flight} in flight"
        if status.consecutive_failures:
            text += f", {status.consecutive_failures} consecutive failures"
        return text

    @admin.action(
        description="Test the connection (one harmless ES2+ call)", permissions=["change"]
    )
    def test_connection(self, request: HttpRequest, queryset: QuerySet[SmdpServer]) -> None:
        for server in queryset:
            report = server_test_connection(server=server)
            audit_record(
                action="smdp.test_connection",
                request=request,
                target=server,
                after={"ok": report.ok, "report": str(report)},
            )
            level = messages.SUCCESS if report.ok else messages.ERROR
            self.message_user(request, f"{server.name}: {' | '.join(report.lines)}", level)

    @admin.action(description="Reset the circuit breaker", permissions=["change"])
    def reset_circuit(self, request: HttpRequest, queryset: QuerySet[SmdpServer]) -> None:
        for server in queryset:
            guard.reset(server)
            audit_record(action="smdp.circuit_reset", request=request, target=server)
        self.message_user(request, f"Circuit closed for {queryset.count()} server(s).")


@admin.register(Es2Call)
class Es2CallAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "server",
        "function",
        "iccid",
        "outcome",
        "code",
        "message",
        "latency_ms",
    )
    list_filter = ("server", "function", "outcome", "failure_kind")
    search_fields = ("=iccid", "=function_call_identifier", "=eid")
    date_hierarchy = "started_at"
    list_select_related = ("server",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Es2Notification)
class Es2NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "received_at",
        "server",
        "iccid",
        "notification_point_id",
        "point_status",
        "state",
        "needs_attention",
        "detail",
    )
    list_filter = ("needs_attention", "state", "notification_point_id", "server")
    search_fields = ("=iccid", "=function_call_identifier", "=eid")
    date_hierarchy = "received_at"
    list_select_related = ("server",)
    actions = ("acknowledge",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_acknowledge_permission(self, request: HttpRequest) -> bool:
        """The change permission of the model, which this read-only admin otherwise denies."""
        return request.user.has_perm("smdp_client.change_es2notification")

    @admin.action(description="Acknowledge (clear the attention flag)", permissions=["acknowledge"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Es2Notification]) -> None:
        with transaction.atomic():
            acknowledged = notifications_acknowledge(notifications=queryset)
            for notification in acknowledged:
                audit_record(
                    action="smdp.notification_acknowledged",
                    request=request,
                    target=notification,
                    before={"needs_attention": True},
                    after={"needs_attention": False},
                )
        self.message_user(request, f"{len(acknowledged)} notification(s) acknowledged.")


@admin.register(FailureRule)
class FailureRuleAdmin(admin.ModelAdmin):
    list_display = ("subject_code", "reason_code", "retryable", "action", "meaning", "updated_at")
    list_editable = ("retryable", "action")
    list_filter = ("retryable", "action")

    def save_model(
        self, request: HttpRequest, obj: FailureRule, form: object, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        forget_cached_rules()
