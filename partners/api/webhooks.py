"""``/api/v1/webhook-endpoints`` and ``/api/v1/webhook-deliveries``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from coreesim.api.views import PartnerAPIView, PartnerListAPIView
from coreesim.problems import ErrorCode, ProblemError
from partners.choices import ApiScope
from partners.webhooks import selectors, services
from partners.webhooks.choices import DeliveryStatus, WebhookEventType
from partners.webhooks.models import WebhookDelivery, WebhookEndpoint

SUBSCRIBABLE = [c for c in WebhookEventType.values if c != WebhookEventType.WEBHOOK_TEST]
READ, WRITE = ApiScope.READ, ApiScope.WRITE


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


def _refused(exc: services.WebhookUrlRefused) -> ProblemError:
    return ProblemError(
        ErrorCode.VALIDATION_ERROR,
        "The webhook URL is not allowed.",
        http_status=status.HTTP_400_BAD_REQUEST,
        errors=[{"field": "url", "message": str(exc), "code": "unsafe_url"}],
    )


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


class WebhookEndpointListView(PartnerListAPIView):
    required_scopes = {"GET": READ, "POST": WRITE}
    serializer_class = EndpointOut

    def get_queryset(self) -> Any:
        return selectors.webhook_endpoint_list(partner_id=self.client.partner_id)

    @extend_schema(
        operation_id="webhook_endpoints_list",
        summary="List webhook endpoints",
        tags=["Webhooks"],
        responses={200: EndpointOut(many=True)},
        examples=[ENDPOINT_EXAMPLE],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(
        operation_id="webhook_endpoints_create",
        summary="Create a webhook endpoint",
        description="The signing secret (`whsec_…`) is in this response only.",
        tags=["Webhooks"],
        request=EndpointIn,
        responses={201: EndpointWithSecretOut},
        examples=[
            ENDPOINT_WITH_SECRET,
            OpenApiExample(
                "Create",
                value={
                    "url": "https://hooks.example.com/coreesim",
                    "description": "Production receiver",
                    "event_types": ["order.completed", "esim.installed"],
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = EndpointIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            endpoint, secret = services.webhook_endpoint_create(
                partner=self.partner, **data.validated_data
            )
        except services.WebhookUrlRefused as exc:
            raise _refused(exc) from exc
        endpoint.secret = secret
        return Response(EndpointWithSecretOut(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailView(PartnerAPIView):
    required_scopes = {"GET": READ, "PATCH": WRITE, "DELETE": WRITE}

    def _endpoint(self, pk: int) -> WebhookEndpoint:
        return selectors.webhook_endpoint_get(partner_id=self.client.partner_id, endpoint_id=pk)

    @extend_schema(
        operation_id="webhook_endpoints_retrieve",
        summary="Get a webhook endpoint",
        tags=["Webhooks"],
        responses={200: EndpointOut},
        examples=[ENDPOINT_EXAMPLE],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(EndpointOut(self._endpoint(pk)).data)

    @extend_schema(
        operation_id="webhook_endpoints_update",
        summary="Change or re-enable a webhook endpoint",
        tags=["Webhooks"],
        request=EndpointPatchIn,
        responses={200: EndpointOut},
        examples=[
            OpenApiExample("Re-enable", value={"enabled": True}, request_only=True),
            ENDPOINT_EXAMPLE,
        ],
    )
    def patch(self, request: Request, pk: int) -> Response:
        endpoint = self._endpoint(pk)
        data = EndpointPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            endpoint = services.webhook_endpoint_update(endpoint=endpoint, **data.validated_data)
        except services.WebhookUrlRefused as exc:
            raise _refused(exc) from exc
        return Response(EndpointOut(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_destroy",
        summary="Delete a webhook endpoint",
        tags=["Webhooks"],
        responses={204: None},
    )
    def delete(self, request: Request, pk: int) -> Response:
        services.webhook_endpoint_delete(endpoint=self._endpoint(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointRotateSecretView(PartnerAPIView):
    required_scopes = {"POST": WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_rotate_secret",
        summary="Rotate the signing secret",
        description=(
            "Returns the new secret once. For 24 hours every message carries two signatures, "
            "one with each secret, so the receiver can switch without losing messages."
        ),
        tags=["Webhooks"],
        request=None,
        responses={200: EndpointWithSecretOut},
        examples=[ENDPOINT_WITH_SECRET],
    )
    def post(self, request: Request, pk: int) -> Response:
        endpoint = selectors.webhook_endpoint_get(partner_id=self.client.partner_id, endpoint_id=pk)
        endpoint, secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint)
        endpoint.secret = secret
        return Response(EndpointWithSecretOut(endpoint).data)


class WebhookEndpointTestView(PartnerAPIView):
    required_scopes = {"POST": WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_test",
        summary="Send a test event",
        description="Queues a `webhook.test` message to this endpoint (one attempt, no retries).",
        tags=["Webhooks"],
        request=None,
        responses={202: DeliveryOut},
        examples=[QUEUED_EXAMPLE],
    )
    def post(self, request: Request, pk: int) -> Response:
        endpoint = selectors.webhook_endpoint_get(partner_id=self.client.partner_id, endpoint_id=pk)
        delivery = services.webhook_endpoint_test(endpoint=endpoint)
        return Response(DeliveryOut(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryListView(PartnerListAPIView):
    required_scopes = {"GET": READ}
    serializer_class = DeliveryOut

    class FiltersIn(serializers.Serializer):
        event_type = serializers.ChoiceField(choices=WebhookEventType.choices, required=False)
        status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
        endpoint = serializers.IntegerField(required=False, min_value=1)

    def get_queryset(self) -> Any:
        filters = self.FiltersIn(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        return selectors.webhook_delivery_list(
            partner_id=self.client.partner_id,
            event_type=values.get("event_type"),
            status=values.get("status"),
            endpoint_id=values.get("endpoint"),
        )

    @extend_schema(
        operation_id="webhook_deliveries_list",
        summary="List webhook deliveries (the delivery log)",
        tags=["Webhooks"],
        parameters=[
            OpenApiParameter("event_type", enum=WebhookEventType.values),
            OpenApiParameter("status", enum=DeliveryStatus.values),
            OpenApiParameter("endpoint", int, description="Only this endpoint's deliveries."),
        ],
        responses={200: DeliveryOut(many=True)},
        examples=[DELIVERY_EXAMPLE],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)


class WebhookDeliveryDetailView(PartnerAPIView):
    required_scopes = {"GET": READ}

    @extend_schema(
        operation_id="webhook_deliveries_retrieve",
        summary="Get a delivery with its payload and every attempt",
        tags=["Webhooks"],
        responses={200: DeliveryDetailOut},
        examples=[DELIVERY_DETAIL_EXAMPLE],
    )
    def get(self, request: Request, pk: int) -> Response:
        delivery = selectors.webhook_delivery_get(partner_id=self.client.partner_id, delivery_id=pk)
        return Response(DeliveryDetailOut(delivery).data)


class WebhookDeliveryRedeliverView(PartnerAPIView):
    required_scopes = {"POST": WRITE}

    @extend_schema(
        operation_id="webhook_deliveries_redeliver",
        summary="Send a delivery again",
        description="One more attempt now, with the same `webhook-id`.",
        tags=["Webhooks"],
        request=None,
        responses={202: OpenApiResponse(DeliveryOut, description="Queued.")},
        examples=[QUEUED_EXAMPLE],
    )
    def post(self, request: Request, pk: int) -> Response:
        delivery = selectors.webhook_delivery_get(partner_id=self.client.partner_id, delivery_id=pk)
        delivery = services.webhook_delivery_redeliver(delivery=delivery)
        return Response(DeliveryOut(delivery).data, status=status.HTTP_202_ACCEPTED)
