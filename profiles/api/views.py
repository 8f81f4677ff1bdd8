"""``/api/v1/countries`` and ``/api/v1/regions``: the same for every partner."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from coreesim.api.views import PartnerListAPIView
from profiles.api.serializers import CountryFiltersIn, CountryOut, RegionOut
from profiles.models import Country, Region

READ = "read"  # partners.choices.ApiScope.READ; profiles may not import partners


def country_list(*, region: str | None = None) -> QuerySet[Country]:
    countries = Country.objects.all()
    if region:
        countries = countries.filter(regions__code=region)
    return countries


def region_list() -> QuerySet[Region]:
    return Region.objects.prefetch_related("countries")


class CountryListView(PartnerListAPIView):
    required_scopes = {"GET": READ}
    serializer_class = CountryOut
    pagination_ordering = ("iso2",)

    def get_queryset(self) -> Any:
        filters = CountryFiltersIn(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return country_list(**filters.validated_data)

    @extend_schema(
        operation_id="countries_list",
        summary="List countries (ISO 3166-1)",
        tags=["Catalogue"],
        parameters=[CountryFiltersIn],
        responses={200: CountryOut(many=True)},
        examples=[
            OpenApiExample(
                "Country", value={"iso2": "FR", "iso3": "FRA", "name": "France"}, response_only=True
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)


class RegionListView(PartnerListAPIView):
    required_scopes = {"GET": READ}
    serializer_class = RegionOut
    pagination_ordering = ("code",)

    def get_queryset(self) -> Any:
        return region_list()

    @extend_schema(
        operation_id="regions_list",
        summary="List regions and their countries",
        tags=["Catalogue"],
        responses={200: RegionOut(many=True)},
        examples=[
            OpenApiExample(
                "Region",
                value={"code": "europe", "name": "Europe", "countries": ["AT", "BE", "DE"]},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)
