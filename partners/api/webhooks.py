"""``/api/v1/webhook-endpoints`` and ``/api/v1/webhook-deliveries``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from coreesim.api.errors import problem_from
from coreesim.api.views import PartnerAPIView, PartnerListAPIView
from coreesim.problems import ErrorCode, ProblemError
from partners.api.webhook_serializers import (
    DELIVERY_DETAIL_EXAMPLE,
    DELIVERY_EXAMPLE,
    ENDPOINT_EXAMPLE,
    ENDPOINT_WITH_SECRET,
    QUEUED_EXAMPLE,
    DeliveryDetailOut,
    DeliveryOut,
    EndpointIn,
    EndpointOut,
    EndpointPatchIn,
    EndpointWithSecretOut,
)
from partners.choices import ApiScope
from partners.webhooks import selectors, services
from partners.webhooks.choices import DeliveryStatus, WebhookEventType
from partners.webhooks.models import WebhookEndpoint

READ, WRITE = ApiScope.READ, ApiScope.WRITE


def _refused(exc: services.WebhookUrlRefused) -> ProblemError:
    return ProblemError(
        ErrorCode.VALIDATION_ERROR,
        "The webhook URL is not allowed.",
        http_status=status.HTTP_400_BAD_REQUEST,
        errors=[{"field": "url", "message": str(exc), "code": "unsafe_url"}],
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
        description=(
            "One more attempt now, with the same `webhook-id`. A message still being retried "
            "keeps its retry schedule. `409 invalid_state` while an attempt is in flight."
        ),
        tags=["Webhooks"],
        request=None,
        responses={202: OpenApiResponse(DeliveryOut, description="Queued.")},
        examples=[QUEUED_EXAMPLE],
    )
    def post(self, request: Request, pk: int) -> Response:
        delivery = selectors.webhook_delivery_get(partner_id=self.client.partner_id, delivery_id=pk)
        try:
            delivery = services.webhook_delivery_redeliver(delivery=delivery)
        except services.WebhookDeliveryBusy as exc:
            raise problem_from(exc) from exc
        return Response(DeliveryOut(delivery).data, status=status.HTTP_202_ACCEPTED)
