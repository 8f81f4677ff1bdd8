"""Reads about partners that pages, the API and services share."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_group

from partners.models import LedgerEntry, Partner, PartnerBalance
from profiles.models import Plan

CENT = Decimal("0.01")


def partner_balance(*, partner: Partner) -> Decimal:
    """The partner's balance: the sum of its ledger entries, which the database keeps in
    ``PartnerBalance`` as each entry is posted (one row read, whatever the history's length)."""
    amount = (
        PartnerBalance.objects.filter(partner_id=partner.pk)
        .values_list("amount", flat=True)
        .first()
    )
    return (amount or Decimal("0")).quantize(CENT)


def partner_has_ledger(*, partner: Partner) -> bool:
    """Whether any money was booked for the partner (its currency is fixed from then on)."""
    return LedgerEntry.objects.filter(partner=partner).exists()


def partner_ledger(*, partner: Partner) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(partner=partner).order_by("-created_at", "-id")


def partner_plans(*, partner: Partner) -> QuerySet[Plan]:
    """The active plans ``partner`` holds ``sell_plan`` on."""
    if partner.group is None:
        return Plan.objects.none()
    return get_objects_for_group(
        partner.group, "profiles.sell_plan", klass=Plan.objects.filter(is_active=True)
    )
