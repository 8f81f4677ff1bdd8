"""The record of one profile import: what the CLI prints and the staff page polls."""

from __future__ import annotations

from django.db import models

from profiles.choices import ImportPhase, ImportStatus

FINISHED = frozenset({ImportStatus.SUCCEEDED, ImportStatus.PARTIAL, ImportStatus.FAILED})
# Share of the bar before each phase: reading (checks, encryption and the writes) dominates.
READ_SHARE, CHECKING_AT, WRITING_AT = 90, 93, 97


class ProfileImport(models.Model):
    """One run of ``pool_import``: its progress, its outcome, and the first errors found.

    While the import runs, ``phase``, ``processed`` and ``total`` are written from a second
    connection (the import itself is one transaction, invisible until it commits), so
    whoever reads this row sees how far it is.

    ``errors`` keeps at most ``profiles.services.imports.MAX_STORED_ERRORS`` entries of
    ``{"line", "column", "code", "message"}``; the full list of rejects goes to the report file
    when ``skip_invalid`` is set.
    """

    pool = models.ForeignKey(
        "profiles.ProfilePool", on_delete=models.PROTECT, related_name="imports"
    )
    filename = models.CharField(max_length=500)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    phase = models.CharField(max_length=16, choices=ImportPhase.choices, default=ImportPhase.QUEUED)
    skip_invalid = models.BooleanField(default=False)
    total = models.PositiveIntegerField(
        default=0, help_text="Data lines (estimated from the bytes read until the file is read)"
    )
    processed = models.PositiveIntegerField(
        default=0, help_text="Lines checked and written so far (written while the import runs)"
    )
    imported = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    report_path = models.CharField(max_length=500, blank=True)
    actor = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} into {self.pool_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        """How far the import is, 0 to 100: lines read fill the bar up to ``READ_SHARE``."""
        if self.finished:
            return 100
        if self.phase == ImportPhase.READING:
            return READ_SHARE * self.processed // self.total if self.total else 0
        if self.phase == ImportPhase.CHECKING:
            return CHECKING_AT
        if self.phase in (ImportPhase.WRITING, ImportPhase.DONE):
            return WRITING_AT
        return 0
