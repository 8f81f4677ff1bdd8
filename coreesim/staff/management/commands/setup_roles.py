from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from coreesim.staff.roles import roles_sync


class Command(BaseCommand):
    help = "Create the staff role groups (Support, Inventory, Finance, Administrator, Account "
    "manager) and set their permissions; safe to run again (migrate runs it too)."

    def handle(self, *args: Any, **options: Any) -> None:
        for name in roles_sync():
            self.stdout.write(f"role ready: {name}")
