from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print where the running product can be reached and how to log in (used by make run)."

    def handle(self, *args: Any, **options: Any) -> None:
        base = settings.PUBLIC_BASE_URL
        lines = [
            "",
            "CoreESIM is starting (Ctrl-C stops everything):",
            f"  staff admin      {base}/admin/",
            f"  health           {base}/healthz   {base}/readyz",
            f"  demo login       {settings.DEMO_ADMIN_USERNAME} / {settings.DEMO_ADMIN_PASSWORD}",
            "",
        ]
        self.stdout.write("\n".join(lines))
