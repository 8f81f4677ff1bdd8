"""``manage.py run_banner``: what `make run` prints once the data is loaded.

It lives in ``orders`` because the demo traveler page is an order's page, and only ``orders``
may import every app.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import Resolver404, resolve

from orders.management.commands.demo_data import DEMO_ORDER_KEY, DEMO_PARTNER_SLUG
from orders.portal.models import EsimAccessToken
from orders.portal.selectors import page_url

# Where a newcomer starts; a page is listed only once some app actually serves it.
LINKS = [
    ("staff back office", "/staff/"),
    ("staff admin", "/admin/"),
    ("partner API docs", "/api/v1/docs/"),
    ("OpenAPI schema", "/api/v1/schema/"),
    ("readiness", "/readyz"),
]


def _demo_traveler_page() -> str | None:
    access = EsimAccessToken.objects.filter(
        esim__order__partner__slug=DEMO_PARTNER_SLUG, esim__order__idempotency_key=DEMO_ORDER_KEY
    ).first()
    return page_url(access) if access else None


def _served(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


class Command(BaseCommand):
    help = "Print where the running product can be reached and how to log in (used by make run)."

    def handle(self, *args: Any, **options: Any) -> None:
        base = settings.PUBLIC_BASE_URL
        lines = ["", "CoreESIM is starting (Ctrl-C stops everything):"]
        lines += [f"  {label:<18} {base}{path}" for label, path in LINKS if _served(path)]
        traveler_page = _demo_traveler_page()
        if traveler_page:
            lines.append(f"  {'demo traveler page':<18} {traveler_page}")
        lines += [
            f"  {'demo staff login':<18} {settings.DEMO_ADMIN_USERNAME} / "
            f"{settings.DEMO_ADMIN_PASSWORD}",
            "",
        ]
        self.stdout.write("\n".join(lines))
