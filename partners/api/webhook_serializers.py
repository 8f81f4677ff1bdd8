"""What the webhook endpoints and the delivery log look like over the API, with examples."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from partners.webhooks.choices import WebhookEventType
from partners.webhooks.models import WebhookDelivery, WebhookEndpoint

SUBSCRIBABLE = [c for c in WebhookEventType.values if c != WebhookEventType.WEBHOOK_TEST]


class EndpointOut(serializers.ModelSerializer):
    enabled = serializers.SerializerMethodField()
    secret_rotation_ends_at = serializers.DateTimeField(
        source="previous_secret_expires_at", allow_null=True
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "enabled",
            "status",
            "disabled_reason",
            "disabled_at",
            "secret_rotation_ends_at",
            "created_at",
            "updated_at",
        ]

    def get_enabled(self, endpoint: WebhookEndpoint) -> bool:
        return endpoint.status == "enabled"


class EndpointWithSecretOut(EndpointOut):
    secret = serializers.CharField(help_text="Shown once: store it to verify signatures.")

    class Meta(EndpointOut.Meta):
        fields = [*EndpointOut.Meta.fields, "secret"]


class EndpointIn(serializers.Serializer):
    url = serializers.URLField(max_length=2048)
    description = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE),
        required=False,
        default=list,
        max_length=len(SUBSCRIBABLE),
        help_text="Event types to receive; empty means all of them.",
    )


class EndpointPatchIn(serializers.Serializer):
    url = serializers.URLField(max_length=2048, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE),
        required=False,
        max_length=len(SUBSCRIBABLE),
    )
    enabled = serializers.BooleanField(required=False)


class AttemptOut(serializers.Serializer):
    number = serializers.IntegerField()
    manual = serializers.BooleanField()
    started_at = serializers.DateTimeField()
    succeeded = serializers.BooleanField()
    status_code = serializers.IntegerField(allow_null=True)
    latency_ms = serializers.IntegerField()
    response_excerpt = serializers.CharField()
    error = serializers.CharField()


class DeliveryOut(serializers.ModelSerializer):
    endpoint_id = serializers.IntegerField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "message_id",
            "endpoint_id",
            "event_type",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_latency_ms",
            "last_response_excerpt",
            "last_error",
            "created_at",
        ]


class DeliveryDetailOut(DeliveryOut):
    payload = serializers.JSONField()
    attempts = AttemptOut(many=True)

    class Meta(DeliveryOut.Meta):
        fields = [*DeliveryOut.Meta.fields, "payload", "attempts"]


ENDPOINT: dict[str, Any] = {
    "id": 12,
    "url": "https://hooks.example.com/coreesim",
    "description": "Production receiver",
    "event_types": ["order.completed", "esim.installed"],
    "enabled": True,
    "status": "enabled",
    "disabled_reason": "",
    "disabled_at": None,
    "secret_rotation_ends_at": None,
    "created_at": "2026-11-25T10:00:00Z",
    "updated_at": "2026-11-25T10:00:00Z",
}

ENDPOINT_EXAMPLE = OpenApiExample("Endpoint", value=ENDPOINT, response_only=True)
ENDPOINT_WITH_SECRET = OpenApiExample(
    "Endpoint and its secret",
    value={**ENDPOINT, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
    response_only=True,
)
DELIVERY: dict[str, Any] = {
    "id": 5512,
    "message_id": "msg_2b7dbb11796b4ababd9de5885af974f3",
    "endpoint_id": 12,
    "event_type": "order.completed",
    "status": "succeeded",
    "attempt_count": 2,
    "next_attempt_at": None,
    "last_attempt_at": "2026-11-25T10:00:09Z",
    "last_status_code": 200,
    "last_latency_ms": 84,
    "last_response_excerpt": "ok",
    "last_error": "",
    "created_at": "2026-11-25T10:00:03Z",
}
DELIVERY_EXAMPLE = OpenApiExample("Delivery", value=DELIVERY, response_only=True)
QUEUED_EXAMPLE = OpenApiExample(
    "Queued",
    value={**DELIVERY, "status": "pending", "next_attempt_at": "2026-11-25T10:05:00Z"},
    response_only=True,
    status_codes=["202"],
)
DELIVERY_DETAIL_EXAMPLE = OpenApiExample(
    "Delivery with attempts",
    value={
        **DELIVERY,
        "payload": {
            "type": "order.completed",
            "timestamp": "2026-11-25T10:00:03+00:00",
            "data": {"order_id": 1042, "status": "completed", "reference": "booking-8812"},
        },
        "attempts": [
            {
                "number": 1,
                "manual": False,
                "started_at": "2026-11-25T10:00:03Z",
                "succeeded": False,
                "status_code": 503,
                "latency_ms": 120,
                "response_excerpt": "Service Unavailable",
                "error": "HTTP 503",
            },
            {
                "number": 2,
                "manual": False,
                "started_at": "2026-11-25T10:00:09Z",
                "succeeded": True,
                "status_code": 200,
                "latency_ms": 84,
                "response_excerpt": "ok",
                "error": "",
            },
        ],
    },
    response_only=True,
)
