from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "What `make run` does before starting the processes: apply migrations, load the demo "
        "data (kept if already there), print the URLs and the demo login. One Django start "
        "instead of three."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=1)
        call_command("demo_data")
        call_command("run_banner")
