from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from partners.choices import ApiScope
from partners.models import Partner
from partners.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a partner and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("partner", help="partner slug")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=ApiScope.values,
            help="read and/or write (default both)",
        )
        parser.add_argument("--expires-in-days", type=int, help="expire after N days")
        parser.add_argument("--name", default="", help="a label for the key")

    def handle(self, *args: Any, **options: Any) -> None:
        partner = Partner.objects.filter(slug=options["partner"]).first()
        if partner is None:
            raise CommandError(f"no partner with slug '{options['partner']}'")
        days = options["expires_in_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-in-days must be at least 1")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        key, plaintext = api_key_create(
            partner=partner,
            scopes=options["scopes"] or [ApiScope.READ, ApiScope.WRITE],
            expires_at=expires_at,
            name=options["name"],
        )
        self.stdout.write(
            f"API key {key} for '{partner.slug}' (scopes: {', '.join(key.scopes)}"
            f"{', expires ' + expires_at.isoformat() if expires_at else ''}); shown once:"
        )
        self.stdout.write(plaintext)
