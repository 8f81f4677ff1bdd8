"""``manage.py add_smdp_server``: register an SM-DP+ and (optionally) test the connection."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from smdp_client.services import server_test_connection, smdp_server_add


def _read(path: str | None, what: str) -> str:
    if not path:
        return ""
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise CommandError(f"cannot read the {what} file {path}: {exc.strerror}") from exc


class Command(BaseCommand):
    help = "Register an SM-DP+ server for ES2+ (see docs/es2plus.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="short slug, e.g. acme-smdp")
        parser.add_argument("--base-url", required=True, help="e.g. https://es2.smdp.example")
        parser.add_argument("--address", required=True, help="SM-DP+ FQDN for activation codes")
        parser.add_argument(
            "--requester-id", required=True, help="our functionRequesterIdentifier there"
        )
        parser.add_argument("--client-cert", help="PEM file: our client certificate (chain)")
        parser.add_argument("--client-key", help="PEM file: its private key (stored encrypted)")
        parser.add_argument("--ca", help="PEM file: the CA chain that signs the SM-DP+")
        parser.add_argument("--allow-plain-http", action="store_true")
        parser.add_argument(
            "--inbound-secret",
            help="shared secret it sends in X-CoreESIM-Secret (default: generate one)",
        )
        parser.add_argument("--admin-protocol", default="gsma/rsp/v2.5.0")
        parser.add_argument("--test", action="store_true", help="test the connection after")

    def handle(self, *args: Any, **options: Any) -> None:
        secret = options["inbound_secret"] or secrets.token_urlsafe(32)
        try:
            server = smdp_server_add(
                name=options["name"],
                base_url=options["base_url"],
                smdp_address=options["address"],
                requester_id=options["requester_id"],
                client_certificate=_read(options["client_cert"], "client certificate"),
                client_private_key=_read(options["client_key"], "client key"),
                ca_bundle=_read(options["ca"], "CA"),
                allow_plain_http=options["allow_plain_http"],
                inbound_secret=secret,
                admin_protocol=options["admin_protocol"],
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(problems) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"SM-DP+ server {server.name!r} added (id {server.pk}).")
        if not options["inbound_secret"]:
            self.stdout.write(
                "Give the SM-DP+ this secret for its notifications (header X-CoreESIM-Secret); "
                f"it is shown only now:\n  {secret}"
            )
        if options["test"]:
            report = server_test_connection(server=server)
            self.stdout.write(str(report))
            if not report.ok:
                raise CommandError("the connection test found problems (see above)")
