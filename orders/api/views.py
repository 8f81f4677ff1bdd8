"""``/api/v1/orders`` and ``/api/v1/esims``: thin views over the orders services."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from coreesim.api.errors import problem_from
from coreesim.api.views import PartnerAPIView, PartnerListAPIView
from coreesim.problems import ErrorCode, ProblemError
from coreesim.secrets import reveal
from orders import services
from orders.api import examples as ex
from orders.api import selectors
from orders.api.serializers import (
    EsimDetailOut,
    EsimEventOut,
    EsimFiltersIn,
    EsimOut,
    OrderFiltersIn,
    OrderIn,
    OrderOut,
    UsageOut,
    usage_data,
)
from orders.errors import InsufficientBalance, OrderError
from orders.models import Esim
from orders.portal.selectors import page_url
from orders.portal.services import access_token_issue
from orders.qr import qr_png, qr_svg
from partners.choices import ApiScope

ORDERS_READ, ORDERS_WRITE = ApiScope.READ, ApiScope.WRITE
ESIMS_READ, ESIMS_WRITE = ApiScope.READ, ApiScope.WRITE
REFUSALS = (OrderError, InsufficientBalance)


def refusal(exc: Exception) -> ProblemError:
    """A service's refusal as a problem; the balance refusal is the partners app's own."""
    if isinstance(exc, InsufficientBalance):
        return problem_from(exc, code=ErrorCode.INSUFFICIENT_BALANCE)
    return problem_from(exc)


class OrderListView(PartnerListAPIView):
    required_scopes = {"GET": ORDERS_READ, "POST": ORDERS_WRITE}
    serializer_class = OrderOut

    def get_queryset(self) -> Any:
        filters = OrderFiltersIn(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.order_list(partner_id=self.client.partner_id, **filters.validated_data)

    @extend_schema(
        operation_id="orders_list",
        summary="List orders",
        tags=["Orders"],
        parameters=[OrderFiltersIn],
        responses={200: OrderOut(many=True)},
        examples=[ex.response("Orders", ex.ORDER)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(
        operation_id="orders_create",
        summary="Order eSIMs",
        description=(
            "Reserves and charges at once, then provisions at the SM-DP+ in the background: "
            "the answer has `status: provisioning`; `order.completed` (or `order.failed`) "
            "follows as a webhook."
        ),
        tags=["Orders"],
        request=OrderIn,
        responses={201: OrderOut},
        examples=[
            ex.request(
                "Order one eSIM",
                {
                    "plan": "eu-5gb-30d",
                    "quantity": 1,
                    "reference": "booking-8812",
                    "traveler_email": "ana@example.com",
                },
            ),
            ex.response("Order", ex.ORDER, "201"),
        ],
    )
    def post(self, request: Request) -> Response:
        data = OrderIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            order = services.order_place(
                partner=self.partner,
                plan_code=values["plan"],
                quantity=values["quantity"],
                idempotency_key=request.headers["Idempotency-Key"],
                traveler_email=values.get("traveler_email") or None,
                traveler_name=values.get("traveler_name") or None,
                traveler_language=values.get("traveler_language") or None,
                reference=values.get("reference") or None,
                eid=values.get("eid") or None,
            )
        except REFUSALS as exc:
            raise refusal(exc) from exc
        order = selectors.order_get(partner_id=self.client.partner_id, order_id=order.pk)
        response = Response(OrderOut(order).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path.rstrip('/')}/{order.pk}"
        return response


class OrderDetailView(PartnerAPIView):
    required_scopes = {"GET": ORDERS_READ}

    @extend_schema(
        operation_id="orders_retrieve",
        summary="Get an order",
        tags=["Orders"],
        responses={200: OrderOut},
        examples=[ex.response("Order", ex.ORDER)],
    )
    def get(self, request: Request, pk: int) -> Response:
        order = selectors.order_get(partner_id=self.client.partner_id, order_id=pk)
        return Response(OrderOut(order).data)


class EsimListView(PartnerListAPIView):
    required_scopes = {"GET": ESIMS_READ}
    serializer_class = EsimOut

    def get_queryset(self) -> Any:
        filters = EsimFiltersIn(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        return selectors.esim_list(
            partner_id=self.client.partner_id,
            status=values.get("status"),
            state=values.get("profile_state"),
            order_id=values.get("order"),
        )

    @extend_schema(
        operation_id="esims_list",
        summary="List eSIMs",
        tags=["eSIMs"],
        parameters=[EsimFiltersIn],
        responses={200: EsimOut(many=True)},
        examples=[ex.response("eSIMs", ex.ESIM)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)


class EsimView(PartnerAPIView):
    """Base of every ``/esims/{iccid}…`` view: the eSIM of this partner, or 404."""

    def esim(self, iccid: str) -> Esim:
        return selectors.esim_get(partner_id=self.client.partner_id, iccid=iccid)

    def detail(self, esim: Esim) -> Response:
        context: dict[str, Any] = {"request": self.request}
        if esim.activation_code:
            context["traveler_page_url"] = page_url(access_token_issue(esim=esim))
        return Response(EsimDetailOut(esim, context=context).data)


class EsimDetailView(EsimView):
    required_scopes = {"GET": ESIMS_READ}

    @extend_schema(
        operation_id="esims_retrieve",
        summary="Get an eSIM with its activation code and install links",
        tags=["eSIMs"],
        responses={200: EsimDetailOut},
        examples=[ex.response("eSIM", ex.ESIM_DETAIL)],
    )
    def get(self, request: Request, iccid: str) -> Response:
        return self.detail(self.esim(iccid))


class EsimEventsView(PartnerListAPIView):
    required_scopes = {"GET": ESIMS_READ}
    serializer_class = EsimEventOut

    def get_queryset(self) -> Any:
        esim = selectors.esim_get(partner_id=self.client.partner_id, iccid=self.kwargs["iccid"])
        return selectors.esim_events(esim=esim)

    @extend_schema(
        operation_id="esims_events",
        summary="The eSIM's history (download, install, suspend, …), newest first",
        tags=["eSIMs"],
        responses={200: EsimEventOut(many=True)},
        examples=[ex.response("Events", ex.EVENT)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)


class ImageRenderer(BaseRenderer):
    charset = None
    format = "img"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return data


class SvgRenderer(ImageRenderer):
    media_type = "image/svg+xml"
    format = "svg"


class PngRenderer(ImageRenderer):
    media_type = "image/png"
    format = "png"


class EsimQrView(EsimView):
    """The activation code as a QR image; errors stay problem documents."""

    required_scopes = {"GET": ESIMS_READ}
    renderer_classes = [JSONRenderer, SvgRenderer, PngRenderer]
    image_format = "svg"

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def get(self, request: Request, iccid: str) -> HttpResponse:
        esim = self.esim(iccid)
        code = reveal(esim.activation_code)
        if not code:
            raise ProblemError(
                ErrorCode.INVALID_STATE,
                "This eSIM has no activation code yet (or any more).",
                http_status=status.HTTP_409_CONFLICT,
            )
        if self.image_format == "png":
            return HttpResponse(qr_png(code), content_type="image/png")
        return HttpResponse(qr_svg(code), content_type="image/svg+xml")


class EsimQrSvgView(EsimQrView):
    image_format = "svg"

    @extend_schema(
        operation_id="esims_qr_svg",
        summary="The activation code as an SVG QR code",
        tags=["eSIMs"],
        responses={(200, "image/svg+xml"): OpenApiTypes.STR},
    )
    def get(self, request: Request, iccid: str) -> HttpResponse:
        return super().get(request, iccid)


class EsimQrPngView(EsimQrView):
    image_format = "png"

    @extend_schema(
        operation_id="esims_qr_png",
        summary="The activation code as a PNG QR code",
        tags=["eSIMs"],
        responses={(200, "image/png"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, iccid: str) -> HttpResponse:
        return super().get(request, iccid)


class EsimUsageView(EsimView):
    required_scopes = {"GET": ESIMS_READ}

    @extend_schema(
        operation_id="esims_usage",
        summary="Data used and left, top-ups and the latest usage records",
        tags=["eSIMs"],
        responses={200: UsageOut},
        examples=[ex.response("Usage", ex.USAGE)],
    )
    def get(self, request: Request, iccid: str) -> Response:
        esim = self.esim(iccid)
        data = usage_data(
            esim=esim,
            top_ups=list(selectors.esim_top_ups(esim=esim)),
            records=list(selectors.esim_usage_records(esim=esim)[:100]),
        )
        return Response(UsageOut(data).data)
