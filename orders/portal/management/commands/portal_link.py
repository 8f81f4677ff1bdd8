"""Print the traveler page link of eSIMs (for support staff and the demo)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from coreesim.staff.services import audit_record
from orders.models import Esim
from orders.portal import services
from orders.portal.selectors import page_url


class Command(BaseCommand):
    help = (
        "Print the page link of the eSIMs with the given ICCIDs (or of the latest ones); "
        "--rotate replaces each link first, so the old one stops working."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("iccids", nargs="*", help="ICCIDs; none = the latest eSIMs")
        parser.add_argument("--latest", type=int, default=5, help="How many latest eSIMs")
        parser.add_argument("--rotate", action="store_true", help="Issue a new link first")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["iccids"]:
            esims = list(Esim.objects.filter(iccid__in=options["iccids"]))
            missing = set(options["iccids"]) - {e.iccid for e in esims}
            if missing:
                raise CommandError(f"no eSIM with ICCID {', '.join(sorted(missing))}")
        else:
            esims = list(Esim.objects.order_by("-id")[: options["latest"]])
        for esim in esims:
            if options["rotate"]:
                with transaction.atomic():
                    access = services.access_token_rotate(esim=esim, actor="manage.py portal_link")
                    audit_record(
                        action="esim.page_link_rotated", target=esim, reason="manage.py portal_link"
                    )
            else:
                access = services.access_token_issue(esim=esim)
            self.stdout.write(f"{esim.iccid}  {esim.status:<12}  {page_url(access)}")
