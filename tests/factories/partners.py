"""Factories for partners; use ``partner_create``-made groups so plan access works."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

from partners.choices import LedgerKind, PartnerStatus
from partners.models import Partner
from partners.services import ledger_credit, partner_group, plan_access_grant
from profiles.models import Plan


class PartnerFactory(factory.django.DjangoModelFactory):
    """A partner with its guardian group. ``plans=[...]`` grants ``sell_plan`` on them;
    ``balance=Decimal(...)`` posts an opening top-up."""

    class Meta:
        model = Partner
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    status = PartnerStatus.ACTIVE
    currency = "USD"
    credit_limit = Decimal("0")

    @factory.post_generation
    def group(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            partner_group(partner=self)

    @factory.post_generation
    def plans(self, create: bool, extracted: list[Plan] | None, **kwargs: Any) -> None:
        if create and extracted:
            plan_access_grant(partner=self, plans=extracted)

    @factory.post_generation
    def balance(self, create: bool, extracted: Decimal | None, **kwargs: Any) -> None:
        if create and extracted:
            ledger_credit(
                partner=self, amount=extracted, kind=LedgerKind.TOPUP, reference="opening"
            )
