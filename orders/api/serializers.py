"""What the API shows of orders, eSIMs, top-ups and usage, and what it accepts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coreesim.secrets import reveal
from orders.activation import (
    InvalidActivationCode,
    activation_code_parse,
    android_install_link,
    ios_install_link,
)
from orders.choices import MAX_QUANTITY, MIN_QUANTITY, EsimStatus, OrderStatus
from orders.models import Esim, TopUp, UsageRecord
from profiles.choices import ProfileState


def _code(esim: Esim) -> str | None:
    return reveal(esim.activation_code) or None


class EsimOut(serializers.Serializer):
    """An eSIM as lists show it: no secrets, no per-row extra queries."""

    iccid = serializers.CharField()
    status = serializers.CharField(help_text="provisioning, released, failed, cancelled, …")
    profile_state = serializers.CharField(
        allow_null=True,
        help_text="Where the profile is on the device: released, downloaded, installed, …",
    )
    order_id = serializers.IntegerField()
    plan = serializers.CharField(source="plan_code")
    data_mb = serializers.IntegerField(allow_null=True, help_text="Allowance; null = unlimited")
    data_used_mb = serializers.DecimalField(max_digits=14, decimal_places=3)
    validity_days = serializers.IntegerField()
    activated_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class EsimDetailOut(EsimOut):
    """Everything needed to install the eSIM. The activation code is a secret: whoever holds it
    can install the profile."""

    activation_code = serializers.SerializerMethodField()
    smdp_address = serializers.SerializerMethodField()
    matching_id = serializers.SerializerMethodField()
    confirmation_code_required = serializers.BooleanField(source="confirmation_required")
    ios_install_url = serializers.SerializerMethodField()
    android_install_url = serializers.SerializerMethodField()
    qr_svg_url = serializers.SerializerMethodField()
    qr_png_url = serializers.SerializerMethodField()
    traveler_page_url = serializers.SerializerMethodField(
        help_text="The traveler's own page: QR, install steps, usage (send it to them)."
    )
    data_remaining_mb = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_activation_code(self, esim: Esim) -> str | None:
        return _code(esim)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_smdp_address(self, esim: Esim) -> str | None:
        return esim.smdp_address or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_matching_id(self, esim: Esim) -> str | None:
        code = _code(esim)
        if not code:
            return None
        try:
            return activation_code_parse(code).matching_id
        except InvalidActivationCode:
            return None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_ios_install_url(self, esim: Esim) -> str | None:
        code = _code(esim)
        return ios_install_link(code) if code else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_android_install_url(self, esim: Esim) -> str | None:
        code = _code(esim)
        return android_install_link(code) if code else None

    def _absolute(self, name: str, esim: Esim) -> str:
        request = self.context["request"]
        return str(request.build_absolute_uri(reverse(name, kwargs={"iccid": esim.iccid})))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_qr_svg_url(self, esim: Esim) -> str | None:
        return self._absolute("api-esim-qr-svg", esim) if _code(esim) else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_qr_png_url(self, esim: Esim) -> str | None:
        return self._absolute("api-esim-qr-png", esim) if _code(esim) else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_traveler_page_url(self, esim: Esim) -> str | None:
        return self.context.get("traveler_page_url")

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True))
    def get_data_remaining_mb(self, esim: Esim) -> Decimal | None:
        if esim.data_mb is None:
            return None
        return max(Decimal(esim.data_mb) - esim.data_used_mb, Decimal("0.000"))


class OrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="provisioning, completed, partially_completed, failed")
    reference = serializers.CharField()
    plan = serializers.CharField(source="plan.code")
    quantity = serializers.IntegerField()
    currency = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    total_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    refunded_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    traveler_email = serializers.EmailField(allow_blank=True)
    traveler_language = serializers.CharField(allow_blank=True)
    eid = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    esims = EsimOut(many=True)


class OrderIn(serializers.Serializer):
    plan = serializers.CharField(max_length=64, help_text="A plan code from GET /plans")
    quantity = serializers.IntegerField(
        min_value=MIN_QUANTITY, max_value=MAX_QUANTITY, default=MIN_QUANTITY
    )
    reference = serializers.CharField(max_length=255, required=False, allow_blank=True)
    traveler_email = serializers.EmailField(required=False, allow_blank=True)
    traveler_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    traveler_language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        allow_blank=True,
        help_text="Language of the traveler's emails until they open their page (default en)",
    )
    eid = serializers.RegexField(
        r"^[0-9]{32}$", required=False, allow_blank=True, allow_null=True, help_text="32 digits"
    )


class OrderFiltersIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    reference = serializers.CharField(max_length=255, required=False)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)


class EsimFiltersIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=EsimStatus.choices, required=False)
    profile_state = serializers.ChoiceField(choices=ProfileState.choices, required=False)
    order = serializers.IntegerField(required=False, min_value=1)


class TopUpIn(serializers.Serializer):
    plan = serializers.CharField(max_length=64, help_text="A plan code of type top-up")


class TopUpOut(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.CharField(source="plan.code")
    currency = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    data_mb = serializers.IntegerField(allow_null=True)
    validity_days = serializers.IntegerField()
    new_data_mb = serializers.IntegerField(allow_null=True)
    new_expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ActionIn(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)


class UsageRecordOut(serializers.Serializer):
    used_mb = serializers.DecimalField(max_digits=14, decimal_places=3)
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()


class UsageOut(serializers.Serializer):
    iccid = serializers.CharField()
    data_mb = serializers.IntegerField(allow_null=True)
    data_used_mb = serializers.DecimalField(max_digits=14, decimal_places=3)
    data_remaining_mb = serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    top_ups = TopUpOut(many=True)
    records = UsageRecordOut(many=True)


def usage_data(*, esim: Esim, top_ups: list[TopUp], records: list[UsageRecord]) -> dict[str, Any]:
    remaining = None
    if esim.data_mb is not None:
        remaining = max(Decimal(esim.data_mb) - esim.data_used_mb, Decimal("0"))
    return {
        "iccid": esim.iccid,
        "data_mb": esim.data_mb,
        "data_used_mb": esim.data_used_mb,
        "data_remaining_mb": remaining,
        "expires_at": esim.expires_at,
        "top_ups": top_ups,
        "records": records,
    }


class EsimEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField()
    source = serializers.CharField(help_text="staff, api, es2plus (the SM-DP+) or system")
    occurred_at = serializers.DateTimeField(source="created_at")
