from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from coreesim import crypto


class Command(BaseCommand):
    help = "Print a new FIELD_ENCRYPTION_KEYS entry. Put it first to make it the encrypting key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("key_id", help="a short name for the key, e.g. 2026-11")

    def handle(self, *args: Any, key_id: str, **options: Any) -> None:
        self.stdout.write(crypto.generate_key_spec(key_id))
