"""Shared tables that belong to no business app."""

from __future__ import annotations

from django.db import models

from coreesim.fields import EncryptedTextField


class IdempotencyStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class IdempotencyRecord(models.Model):
    """The first answer to a partner's ``POST`` with an ``Idempotency-Key``.

    A retry of the same request within ``expires_at`` gets this answer back instead of being
    executed again; ``fingerprint`` tells a true retry from a different request that reuses the
    key by mistake. ``partner_id`` is a plain integer because ``coreesim`` imports no app.
    """

    partner_id = models.BigIntegerField()
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2048)
    status = models.CharField(
        max_length=16, choices=IdempotencyStatus.choices, default=IdempotencyStatus.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # Encrypted: answers carry secrets (activation codes, matching IDs, page links, webhook
    # signing secrets) that are encrypted at rest everywhere else.
    response_body = EncryptedTextField()
    response_content_type = models.CharField(max_length=100, blank=True, default="")
    response_location = models.CharField(max_length=2048, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner_id", "key"], name="idempotency_partner_key")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.key} ({self.status})"
