"""``POST /api/v1/esims/{iccid}/…``: top-ups and lifecycle actions, each one service call."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from coreesim.api.views import PartnerAPIView
from orders import services
from orders.api import examples as ex
from orders.api import selectors
from orders.api.serializers import ActionIn, EsimDetailOut, TopUpIn, TopUpOut
from orders.api.views import ESIMS_WRITE, REFUSALS, EsimView, refusal
from orders.models import Esim
from profiles.choices import EventSource


def _actor(view: PartnerAPIView) -> str:
    return f"api:partner={view.client.partner_id}:key={view.client.key_id}"


class EsimTopUpView(EsimView):
    required_scopes = {"POST": ESIMS_WRITE}

    @extend_schema(
        operation_id="esims_topup",
        summary="Add a top-up plan",
        description=(
            "Charges the top-up's price and extends the data allowance and validity. The "
            "top-up plan must cover the same country or region as the eSIM's plan."
        ),
        tags=["eSIMs"],
        request=TopUpIn,
        responses={201: TopUpOut},
        examples=[
            ex.request("Top up", {"plan": "eu-1gb-topup"}),
            ex.response("Top-up", ex.TOP_UP, "201"),
        ],
    )
    def post(self, request: Request, iccid: str) -> Response:
        esim = self.esim(iccid)
        data = TopUpIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            top_up = services.esim_top_up(
                esim=esim,
                partner=self.partner,
                plan_code=data.validated_data["plan"],
                idempotency_key=request.headers["Idempotency-Key"],
            )
        except REFUSALS as exc:
            raise refusal(exc) from exc
        return Response(TopUpOut(top_up).data, status=status.HTTP_201_CREATED)


class EsimActionView(EsimView):
    """``POST /esims/{iccid}/<action>``: one lifecycle service, answered with the eSIM."""

    required_scopes = {"POST": ESIMS_WRITE}
    action_name = ""

    def act(self, esim: Esim, reason: str) -> Esim:
        raise NotImplementedError

    def post(self, request: Request, iccid: str) -> Response:
        esim = self.esim(iccid)
        data = ActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data.get("reason") or f"{self.action_name} requested over the API"
        try:
            esim = self.act(esim, reason)
        except REFUSALS as exc:
            raise refusal(exc) from exc
        return self.detail(selectors.esim_get(partner_id=self.client.partner_id, iccid=esim.iccid))


def _action_schema(name: str, summary: str, description: str) -> Any:
    return extend_schema(
        operation_id=f"esims_{name}",
        summary=summary,
        description=description,
        tags=["eSIMs"],
        request=ActionIn,
        responses={200: EsimDetailOut},
        examples=[
            ex.request("Reason", {"reason": "Traveler reported a stolen phone"}),
            ex.response("eSIM", ex.ESIM_DETAIL),
        ],
    )


class EsimSuspendView(EsimActionView):
    action_name = "suspend"

    def act(self, esim: Esim, reason: str) -> Esim:
        return services.esim_suspend(
            esim=esim, actor=_actor(self), reason=reason, source=EventSource.API
        )

    @_action_schema("suspend", "Suspend (bar) an eSIM", "Reversible with resume. Idempotent.")
    def post(self, request: Request, iccid: str) -> Response:
        return super().post(request, iccid)


class EsimResumeView(EsimActionView):
    action_name = "resume"

    def act(self, esim: Esim, reason: str) -> Esim:
        return services.esim_resume(
            esim=esim, actor=_actor(self), reason=reason, source=EventSource.API
        )

    @_action_schema("resume", "Resume a suspended eSIM", "The profile returns to its state.")
    def post(self, request: Request, iccid: str) -> Response:
        return super().post(request, iccid)


class EsimReissueView(EsimActionView):
    action_name = "reissue"

    def act(self, esim: Esim, reason: str) -> Esim:
        return services.esim_reissue(esim=esim, actor=_actor(self), reason=reason)

    @_action_schema(
        "reissue",
        "Reissue an eSIM's activation code",
        "The old code stops working and a new one is provisioned (free of charge); "
        "`esim.reissued` follows. The ICCID may change.",
    )
    def post(self, request: Request, iccid: str) -> Response:
        return super().post(request, iccid)


class EsimCancelView(EsimActionView):
    action_name = "cancel"

    def act(self, esim: Esim, reason: str) -> Esim:
        return services.esim_cancel(esim=esim, actor=_actor(self), reason=reason)

    @_action_schema(
        "cancel",
        "Cancel an unused eSIM",
        "Only an eSIM that was never downloaded; its price is refunded to your balance.",
    )
    def post(self, request: Request, iccid: str) -> Response:
        return super().post(request, iccid)
