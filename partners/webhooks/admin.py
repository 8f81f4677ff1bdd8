"""Admin for webhook endpoints and their deliveries: read-only, for following a partner's case.

Endpoints are created and changed through the API or the staff pages only, because those run
the SSRF guard on the URL and show a new signing secret once; here the secrets are never shown.
Deliveries are a log: the admin can send a test message or deliver a message again (same
``webhook-id``), both through ``partners.webhooks.services``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.db.models import QuerySet
from django.http import HttpRequest

from coreesim.read_only_admin import ReadOnlyAdmin
from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from partners.webhooks.services import webhook_delivery_redeliver, webhook_endpoint_test


class SendingAdmin(ReadOnlyAdmin):
    """Read-only, but with actions that queue a message: those need the change permission."""

    def has_send_permission(self, request: HttpRequest) -> bool:
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SendingAdmin):
    list_display = ["url", "partner", "status", "event_types", "failing_since", "created_at"]
    list_filter = ["status"]
    search_fields = ["url", "partner__name", "partner__slug"]
    list_select_related = ["partner"]
    exclude = ["secret", "previous_secret"]
    actions = ["send_test"]

    @admin.action(description="Send a webhook.test message", permissions=["send"])
    def send_test(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhook_endpoint_test(endpoint=endpoint)
        self.message_user(request, f"{len(queryset)} test message(s) queued", messages.SUCCESS)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = readonly_fields = (
        "number",
        "manual",
        "started_at",
        "succeeded",
        "status_code",
        "latency_ms",
        "error",
        "response_excerpt",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SendingAdmin):
    list_display = [
        "message_id",
        "partner",
        "event_type",
        "status",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["=message_id", "partner__name", "partner__slug", "endpoint__url"]
    list_select_related = ["partner"]
    inlines = [WebhookAttemptInline]
    show_full_result_count = False
    actions = ["redeliver"]

    @admin.action(description="Deliver again now (same webhook-id)", permissions=["send"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset:
            webhook_delivery_redeliver(delivery=delivery)
        self.message_user(request, f"{len(queryset)} message(s) queued again", messages.SUCCESS)
