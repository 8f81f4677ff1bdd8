from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from coreesim import crypto, rotation


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS. "
        "Safe to interrupt and run again: it resumes with the rows still on an older key."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, batch_size: int, no_progress: bool, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        total = 0
        try:
            for work in rotation.pending_columns():
                if not work.remaining:
                    continue
                with tqdm(
                    total=work.remaining,
                    desc=work.label,
                    unit="row",
                    disable=no_progress,
                    file=self.stderr._out,
                ) as bar:
                    total += rotation.rotate_column(
                        work.field, batch_size=batch_size, on_batch=bar.update
                    )
        except crypto.DecryptionError as exc:
            raise CommandError(f"cannot re-encrypt: {exc}") from exc
        primary = crypto.keyring().primary_id
        self.stdout.write(
            f"re-encrypted {total} value(s); every column is now under key {primary!r}"
        )
