"""``/api/v1/balance`` and its transactions (the ledger)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from coreesim.api.views import PartnerAPIView, PartnerListAPIView
from partners.choices import ApiScope, LedgerKind
from partners.models import LedgerEntry
from partners.services import partner_balance


class BalanceOut(serializers.Serializer):
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit_limit = serializers.DecimalField(max_digits=12, decimal_places=2)
    available = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="What orders may still spend"
    )
    currency = serializers.CharField()


class TransactionOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=LedgerKind.choices)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Positive = credit, negative = debit"
    )
    currency = serializers.CharField()
    reference = serializers.CharField(help_text="e.g. order:42, top_up:7")
    memo = serializers.CharField()
    created_at = serializers.DateTimeField()


class TransactionFiltersIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LedgerKind.choices, required=False)


class BalanceView(PartnerAPIView):
    required_scopes = {"GET": ApiScope.READ}

    @extend_schema(
        operation_id="balance_retrieve",
        summary="Your prepaid balance",
        tags=["Money"],
        responses={200: BalanceOut},
        examples=[
            OpenApiExample(
                "Balance",
                value={
                    "balance": "1250.00",
                    "credit_limit": "0.00",
                    "available": "1250.00",
                    "currency": "EUR",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        partner = self.partner
        balance = partner_balance(partner=partner)
        data = {
            "balance": balance,
            "credit_limit": partner.credit_limit,
            "available": balance + partner.credit_limit,
            "currency": partner.currency,
        }
        return Response(BalanceOut(data).data)


class TransactionListView(PartnerListAPIView):
    required_scopes = {"GET": ApiScope.READ}
    serializer_class = TransactionOut

    def get_queryset(self) -> Any:
        filters = TransactionFiltersIn(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        entries = LedgerEntry.objects.filter(partner_id=self.client.partner_id)
        kind = filters.validated_data.get("kind")
        return entries.filter(kind=kind) if kind else entries

    @extend_schema(
        operation_id="balance_transactions_list",
        summary="Every movement of your balance, newest first",
        tags=["Money"],
        parameters=[TransactionFiltersIn],
        responses={200: TransactionOut(many=True)},
        examples=[
            OpenApiExample(
                "Order debit",
                value={
                    "id": 3301,
                    "kind": "order_debit",
                    "amount": "-9.90",
                    "currency": "EUR",
                    "reference": "order:1042",
                    "memo": "",
                    "created_at": "2026-11-25T10:00:00Z",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)
