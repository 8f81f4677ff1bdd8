"""The catalogue as partners see it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from profiles.models import Plan, Region


class CountryOut(serializers.Serializer):
    iso2 = serializers.CharField()
    iso3 = serializers.CharField()
    name = serializers.CharField()


class RegionOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    countries = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_countries(self, region: Region) -> list[str]:
        return sorted(c.iso2 for c in region.countries.all())


class PlanOut(serializers.Serializer):
    """A plan this partner may sell, at this partner's price."""

    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.SerializerMethodField()
    coverage = serializers.SerializerMethodField(
        help_text="'country' (one country) or 'region' (a set of countries)"
    )
    country = serializers.SerializerMethodField()
    region = serializers.SerializerMethodField()
    countries = serializers.SerializerMethodField()
    data_mb = serializers.IntegerField(allow_null=True, help_text="null = unlimited")
    throttle_kbps = serializers.IntegerField(allow_null=True)
    validity_days = serializers.IntegerField()
    price = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=["base", "topup"]))
    def get_type(self, plan: Plan) -> str:
        return "topup" if plan.is_top_up else "base"

    @extend_schema_field(serializers.ChoiceField(choices=["country", "region"]))
    def get_coverage(self, plan: Plan) -> str:
        return str(plan.coverage_kind)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_country(self, plan: Plan) -> str | None:
        return plan.country.iso2 if plan.country_id and plan.country else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_region(self, plan: Plan) -> str | None:
        return plan.region.code if plan.region_id and plan.region else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_countries(self, plan: Plan) -> list[str]:
        if plan.country_id and plan.country:
            return [plan.country.iso2]
        if plan.region is None:
            return []
        return sorted(c.iso2 for c in plan.region.countries.all())

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_price(self, plan: Plan) -> str:
        return str(self.context["prices"][plan.pk])

    def get_currency(self, plan: Plan) -> str:
        return str(self.context["currency"])


class PlanFiltersIn(serializers.Serializer):
    country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, help_text="ISO alpha-2")
    region = serializers.SlugField(max_length=32, required=False)
    min_data_mb = serializers.IntegerField(required=False, min_value=0)
    validity_days = serializers.IntegerField(required=False, min_value=1)
    type = serializers.ChoiceField(choices=["base", "topup"], required=False)


class CountryFiltersIn(serializers.Serializer):
    region = serializers.SlugField(max_length=32, required=False)
