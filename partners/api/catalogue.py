"""``/api/v1/plans``: the plans a partner may sell, at its prices (partners owns both)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from guardian.shortcuts import get_objects_for_group
from rest_framework.request import Request
from rest_framework.response import Response

from coreesim.api.views import PartnerAPIView, PartnerListAPIView
from partners.choices import ApiScope
from partners.models import Partner, PriceOverride
from partners.services import SELL_PLAN
from profiles.api.serializers import PlanFiltersIn, PlanOut
from profiles.models import Plan

PLAN_EXAMPLE = {
    "code": "eu-5gb-30d",
    "name": "Europe 5 GB, 30 days",
    "type": "base",
    "coverage": "region",
    "country": None,
    "region": "europe",
    "countries": ["AT", "BE", "DE", "ES", "FR", "IT"],
    "data_mb": 5120,
    "throttle_kbps": None,
    "validity_days": 30,
    "price": "9.90",
    "currency": "EUR",
}


def plans_for_sale(
    *,
    partner: Partner,
    country: str | None = None,
    region: str | None = None,
    min_data_mb: int | None = None,
    validity_days: int | None = None,
    type: str | None = None,
) -> QuerySet[Plan]:
    """Active plans the partner holds ``sell_plan`` on: one query however many plans.

    The set-at-once form of ``partners.services.partner_can_sell``.
    """
    if not partner.is_active or partner.group is None:
        return Plan.objects.none()
    plans = get_objects_for_group(partner.group, SELL_PLAN, klass=Plan, accept_global_perms=False)
    plans = plans.filter(is_active=True).select_related("country", "region")
    plans = plans.prefetch_related("region__countries")
    if country:
        code = country.upper()
        plans = plans.filter(Q(country__iso2=code) | Q(region__countries__iso2=code)).distinct()
    if region:
        plans = plans.filter(region__code=region)
    if min_data_mb is not None:
        plans = plans.filter(Q(data_mb__gte=min_data_mb) | Q(data_mb__isnull=True))
    if validity_days is not None:
        plans = plans.filter(validity_days=validity_days)
    if type:
        plans = plans.filter(is_top_up=(type == "topup"))
    return plans


def prices_for(*, partner: Partner, plans: list[Plan]) -> dict[int, Decimal]:
    """The set-at-once form of ``plan_price_for``: override, else the default price in the
    partner's currency; a plan with neither has no price and is left out."""
    overrides = dict(
        PriceOverride.objects.filter(partner=partner, plan__in=plans).values_list(
            "plan_id", "price"
        )
    )
    prices: dict[int, Decimal] = {}
    for plan in plans:
        if plan.pk in overrides:
            prices[plan.pk] = overrides[plan.pk]
        elif plan.currency == partner.currency:
            prices[plan.pk] = plan.retail_price
    return prices


def _context(partner: Partner, plans: list[Plan]) -> dict[str, Any]:
    return {"prices": prices_for(partner=partner, plans=plans), "currency": partner.currency}


class PlanListView(PartnerListAPIView):
    required_scopes = {"GET": ApiScope.READ}
    serializer_class = PlanOut
    pagination_ordering = ("code",)

    def get_queryset(self) -> Any:
        filters = PlanFiltersIn(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return plans_for_sale(partner=self.partner, **filters.validated_data)

    @extend_schema(
        operation_id="plans_list",
        summary="List the plans you may sell, with your prices",
        tags=["Catalogue"],
        parameters=[PlanFiltersIn],
        responses={200: PlanOut(many=True)},
        examples=[OpenApiExample("Plan", value=PLAN_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        plans = list(page if page is not None else queryset)
        context = _context(self.partner, plans)
        priced = [p for p in plans if p.pk in context["prices"]]
        data = PlanOut(priced, many=True, context=context).data
        return self.get_paginated_response(data)


class PlanDetailView(PartnerAPIView):
    required_scopes = {"GET": ApiScope.READ}

    @extend_schema(
        operation_id="plans_retrieve",
        summary="Get one plan",
        tags=["Catalogue"],
        responses={200: PlanOut},
        examples=[OpenApiExample("Plan", value=PLAN_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, code: str) -> Response:
        plan = plans_for_sale(partner=self.partner).filter(code=code).first()
        context = _context(self.partner, [plan]) if plan else {"prices": {}}
        if plan is None or plan.pk not in context["prices"]:
            raise Http404("No such plan for sale to you.")
        return Response(PlanOut(plan, context=context).data)
