"""Live progress of a staff-started import, keyed by the upload's token.

The upload view records the import at once (status pending, phase queued, ``filename`` the
stored upload's path); the worker's ``import_run`` then writes the phase and the lines
processed to that same row while its transaction is open. The page's JSON endpoint reads
the row and nothing else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from profiles.choices import ImportPhase, ImportStatus
from profiles.models import ProfileImport


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def upload_path(token: str) -> Path:
    return upload_dir() / f"{token}.csv"


@dataclass(frozen=True)
class ImportProgress:
    status: str
    status_label: str
    percent: int
    done: int
    total: int
    errors: int
    finished: bool
    import_id: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_for_token(token: str) -> ProfileImport | None:
    return ProfileImport.objects.filter(filename=str(upload_path(token))).first()


def import_progress(token: str) -> ImportProgress | None:
    """None when the token is unknown."""
    record = import_for_token(token)
    if record is None:
        return None
    label = ImportStatus(record.status).label
    if record.status == ImportStatus.PENDING:
        label = ImportPhase.QUEUED.label.capitalize()
    elif record.status == ImportStatus.RUNNING:
        label = f"{label} · {ImportPhase(record.phase).label}"
    return ImportProgress(
        status=record.status,
        status_label=label,
        percent=record.percent,
        done=record.processed,
        total=record.total,
        errors=record.error_count,
        finished=record.finished,
        import_id=record.pk,
    )
