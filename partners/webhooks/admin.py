"""Admin for webhook endpoints and their deliveries: read-only, for following a partner's case.

Everything that changes or sends (new endpoint, URL, enable/disable, secret rotation, test
message, redelivery) happens on the partner's staff page or through the API: those run the
SSRF guard, ask for a reason where one is due and write the audit log. Secrets never show here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from coreesim.read_only_admin import ReadOnlyAdmin
from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "partner", "status", "event_types", "failing_since", "created_at"]
    list_filter = ["status"]
    search_fields = ["url", "partner__name", "partner__slug"]
    list_select_related = ["partner"]
    exclude = ["secret", "previous_secret"]


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
class WebhookDeliveryAdmin(ReadOnlyAdmin):
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
