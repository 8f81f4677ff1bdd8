from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify

from partners.choices import LedgerKind
from partners.models import Partner
from partners.services import api_key_create, ledger_credit, partner_create, plan_access_grant
from profiles.models import Plan


def _money(value: str, flag: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise CommandError(f"{flag} must be a number, got '{value}'") from exc
    if amount < 0 or not amount.is_finite():
        raise CommandError(f"{flag} cannot be negative")
    return amount


class Command(BaseCommand):
    help = "Create a partner with plan access and an opening balance; prints its first API key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--slug", help="defaults to the slugified name")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--credit-limit", default="0")
        parser.add_argument("--balance", default="0", help="opening top-up")
        plans = parser.add_mutually_exclusive_group()
        plans.add_argument("--plan", action="append", dest="plans", default=[], help="plan code")
        plans.add_argument("--all-plans", action="store_true", help="every active plan")
        parser.add_argument("--webhook-url", help="register a webhook endpoint (all events)")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        slug = options["slug"] or slugify(name)
        if not name or not slug:
            raise CommandError("the partner needs a name")
        if Partner.objects.filter(slug=slug).exists():
            raise CommandError(f"a partner with slug '{slug}' already exists")
        credit_limit = _money(options["credit_limit"], "--credit-limit")
        balance = _money(options["balance"], "--balance")
        if options["all_plans"]:
            plans = list(Plan.objects.filter(is_active=True))
        else:
            codes = list(dict.fromkeys(options["plans"]))
            plans = list(Plan.objects.filter(code__in=codes))
            missing = sorted(set(codes) - {p.code for p in plans})
            if missing:
                raise CommandError(f"unknown plan code(s): {', '.join(missing)}")
        try:
            with transaction.atomic():
                partner = partner_create(
                    name=name,
                    slug=slug,
                    currency=options["currency"],
                    credit_limit=credit_limit,
                )
                plan_access_grant(partner=partner, plans=plans)
                if balance:
                    ledger_credit(
                        partner=partner,
                        amount=balance,
                        kind=LedgerKind.TOPUP,
                        reference="opening-balance",
                        memo="opening balance (create_partner)",
                        actor="cli",
                    )
                if options["webhook_url"]:
                    self._webhook(partner, options["webhook_url"])
                _, plaintext = api_key_create(partner=partner, name="first key")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"partner '{partner.name}' ({partner.slug}) created: {len(plans)} plan(s), "
            f"balance {balance} {partner.currency}, credit limit {credit_limit}"
        )
        self.stdout.write("API key (shown once, store it now):")
        self.stdout.write(plaintext)

    def _webhook(self, partner: Partner, url: str) -> None:
        from partners.webhooks.services import webhook_endpoint_create

        try:
            _, secret = webhook_endpoint_create(partner=partner, url=url)
        except (ValueError, ValidationError) as exc:
            raise CommandError(f"webhook URL refused: {exc}") from exc
        self.stdout.write(f"webhook endpoint {url} registered; signing secret (shown once):")
        self.stdout.write(secret)
