"""The record of one profile import: what the CLI prints and the staff page polls."""

from __future__ import annotations

from django.db import models

from profiles.choices import ImportStatus


class ProfileImport(models.Model):
    """One run of ``pool_import``: its progress, its outcome, and the first errors found.

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
    skip_invalid = models.BooleanField(default=False)
    total = models.PositiveIntegerField(default=0, help_text="Data lines read")
    processed = models.PositiveIntegerField(default=0, help_text="Lines through validation")
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
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0
