"""``manage.py import_usage FILE``: load usage records exported by the network side.

CSV with a header: ``record_id,iccid,used_mb,period_start,period_end`` (ISO 8601 times). Each
record_id is counted once, so the same file can be imported again safely.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from orders.services import UsageLine, usage_ingest

COLUMNS = ("record_id", "iccid", "used_mb", "period_start", "period_end")


def parse_usage_row(row: dict[str, str], where: str) -> UsageLine:
    """One CSV/JSON row as a ``UsageLine``; ``ValueError`` names the field that is wrong."""
    try:
        used = Decimal(str(row["used_mb"]))
    except (InvalidOperation, KeyError) as exc:
        raise ValueError(f"{where}: used_mb is not a number") from exc
    if used < 0:
        raise ValueError(f"{where}: used_mb is negative")
    times = {}
    for name in ("period_start", "period_end"):
        value = parse_datetime(str(row.get(name) or ""))
        if value is None:
            raise ValueError(f"{where}: {name} is not an ISO 8601 date-time")
        times[name] = value
    record_id, iccid = str(row.get("record_id") or ""), str(row.get("iccid") or "")
    if not record_id or not iccid:
        raise ValueError(f"{where}: record_id and iccid are required")
    return UsageLine(record_id=record_id, iccid=iccid, used_mb=used, **times)


class Command(BaseCommand):
    help = "Import data usage records (CSV) and emit the usage threshold events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = set(COLUMNS) - set(reader.fieldnames or [])
            if missing:
                raise CommandError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            try:
                lines = [parse_usage_row(row, f"line {n}") for n, row in enumerate(reader, start=2)]
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        result = usage_ingest(lines=lines)
        self.stdout.write(
            f"imported {result.imported}, duplicates {result.duplicates}, "
            f"unknown ICCIDs {len(result.unknown_iccids)}, threshold events {result.events}"
        )
