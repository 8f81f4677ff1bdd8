"""Live progress of a staff-started import, keyed by the upload's token.

``pool_import`` reports phases to a callback (bytes read, then checks, then the insert) and
writes its ``ProfileImport`` row, whose ``filename`` is the stored upload's path. The worker's
callback keeps the latest phase in the cache; the page's JSON endpoint merges that with the row
(which is the truth once the import has finished).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache

from profiles.choices import ImportStatus
from profiles.models import ProfileImport

CACHE_TTL_SECONDS = 24 * 3600
FINISHED = frozenset({ImportStatus.SUCCEEDED, ImportStatus.PARTIAL, ImportStatus.FAILED})
# Share of the bar each phase fills: reading and format checks dominate the run time.
READ_SHARE, CHECK_AT, INSERT_AT = 90, 95, 99


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def upload_path(token: str) -> Path:
    return upload_dir() / f"{token}.csv"


def _key(token: str) -> str:
    return f"staff:import:{token}"


def phase_store(token: str, phase: str, done: int, total: int) -> None:
    """The ``progress`` callback of ``pool_import`` (called from the worker)."""
    if phase == "read":
        percent = int(READ_SHARE * done / total) if total else 0
    elif phase == "check":
        percent = CHECK_AT
    else:
        percent = INSERT_AT
    cache.set(_key(token), {"phase": phase, "percent": percent}, CACHE_TTL_SECONDS)


def queued_store(token: str) -> None:
    cache.set(_key(token), {"phase": "queued", "percent": 0}, CACHE_TTL_SECONDS)


def failed_store(token: str, message: str) -> None:
    cache.set(
        _key(token), {"phase": "error", "percent": 100, "message": message}, CACHE_TTL_SECONDS
    )


@dataclass(frozen=True)
class ImportProgress:
    status: str
    status_label: str
    percent: int
    done: int
    total: int
    errors: int
    finished: bool
    import_id: int | None
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_for_token(token: str) -> ProfileImport | None:
    return ProfileImport.objects.filter(filename=str(upload_path(token))).first()


def import_progress(token: str) -> ImportProgress | None:
    """None when the token is unknown (never queued, or expired)."""
    phase: dict[str, Any] | None = cache.get(_key(token))
    record = import_for_token(token)
    if record is None:
        if phase is None:
            return None
        failed = phase["phase"] == "error"
        return ImportProgress(
            status="failed" if failed else "queued",
            status_label="Failed" if failed else "Waiting for a worker",
            percent=phase["percent"],
            done=0,
            total=0,
            errors=0,
            finished=failed,
            import_id=None,
            message=phase.get("message", ""),
        )
    finished = record.status in FINISHED
    percent = 100 if finished else (phase or {}).get("percent", 0)
    return ImportProgress(
        status=record.status,
        status_label=ImportStatus(record.status).label,
        percent=percent,
        done=record.processed if finished else percent,
        total=record.total if finished else 100,
        errors=record.error_count,
        finished=finished,
        import_id=record.pk,
    )
