from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from profiles.services import catalogue_load


class Command(BaseCommand):
    help = "Load countries, regions and networks from profiles/data (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = catalogue_load()
        self.stdout.write(
            f"catalogue: {counts.countries} countries, {counts.regions} regions, "
            f"{counts.networks} networks"
        )
