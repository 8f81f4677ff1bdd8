from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from profiles.models import Plan, ProfilePool
from profiles.services import pool_create
from smdp_client.models import SmdpServer


class Command(BaseCommand):
    help = "Create a profile pool: one profile type on one SM-DP+ server, serving some plans."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="pool name (a slug, e.g. eu-5g-2026q1)")
        parser.add_argument("--smdp-server", required=True, help="SM-DP+ server name")
        parser.add_argument("--profile-type", required=True, help="the SM-DP+'s profile type")
        parser.add_argument(
            "--plan", action="append", required=True, dest="plans", help="plan code (repeat)"
        )
        parser.add_argument("--low-water", type=int, default=100, help="low-water mark")
        parser.add_argument("--version-label", default="", help="our label for this batch")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"]
        if ProfilePool.objects.filter(name=name).exists():
            raise CommandError(f"a pool named '{name}' already exists")
        server = SmdpServer.objects.filter(name=options["smdp_server"]).first()
        if server is None:
            known = ", ".join(SmdpServer.objects.values_list("name", flat=True)) or "none"
            raise CommandError(
                f"no SM-DP+ server named '{options['smdp_server']}' (known: {known})"
            )
        codes = list(dict.fromkeys(options["plans"]))
        plans = list(Plan.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {p.code for p in plans})
        if missing:
            raise CommandError(f"unknown plan code(s): {', '.join(missing)}")
        if options["low_water"] < 0:
            raise CommandError("--low-water cannot be negative")
        try:
            pool = pool_create(
                name=name,
                smdp_server=server,
                profile_type=options["profile_type"],
                plans=plans,
                low_water_mark=options["low_water"],
                version_label=options["version_label"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"pool '{pool.name}' created on {server.name} ({pool.profile_type}) for "
            f"{', '.join(codes)}"
        )
