from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from profiles.models import ProfilePool
from profiles.services import ImportRefused, pool_import

PHASES = {"read": "reading", "check": "checking", "insert": "inserting"}


class Command(BaseCommand):
    help = (
        "Import profiles from a CSV (header: ICCID required; IMSI, PIN1, PUK1, PIN2, PUK2 "
        "optional) into a pool. All or nothing unless --skip-invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--pool", required=True, help="pool name")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the good lines and write the rejects to a report",
        )
        parser.add_argument("--report", type=Path, help="rejects report (default FILE.rejects.csv)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        pool = ProfilePool.objects.filter(name=options["pool"]).first()
        if pool is None:
            raise CommandError(f"no pool named '{options['pool']}'")
        bars: dict[str, tqdm] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if options["no_progress"]:
                return
            bar = bars.get(phase)
            if bar is None:
                unit = "B" if phase in ("read", "check") else " lines"
                bar = bars[phase] = tqdm(
                    total=total,
                    desc=PHASES.get(phase, phase),
                    unit=unit,
                    unit_scale=True,
                    file=self.stderr._out,
                    leave=True,
                )
            bar.total = total
            bar.update(done - bar.n)

        try:
            record = pool_import(
                pool=pool,
                path=path,
                skip_invalid=options["skip_invalid"],
                report_path=options["report"],
                actor="cli",
                progress=progress,
            )
        except ImportRefused as refused:
            for bar in bars.values():
                bar.close()
            for problem in refused.problems[:20]:
                self.stderr.write(f"  {problem}")
            if refused.count > 20:
                self.stderr.write(f"  … and {refused.count - 20} more")
            raise CommandError(
                f"import refused: {refused.count} problem(s); nothing was imported"
            ) from refused
        finally:
            for bar in bars.values():
                bar.close()
        self.stdout.write(
            f"imported {record.imported} profile(s) into '{pool.name}' "
            f"(import #{record.pk}, {record.total} line(s) read)"
        )
        if record.rejected:
            self.stdout.write(
                f"rejected {record.rejected} line(s) ({record.error_count} problem(s)); "
                f"report: {record.report_path}"
            )
