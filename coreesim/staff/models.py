"""The audit log of staff writes, and the permission holder for staff capabilities."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from coreesim.staff.choices import Capability


class StaffAccess(models.Model):
    """Holds the ``staff.<capability>`` permissions; it has no table of its own.

    Capabilities are what pages check; roles (groups) are bundles of them (roles.py). Keeping
    them here rather than borrowing other apps' model permissions lets a role be defined
    before those apps' models exist and keeps "may suspend an eSIM" one name, not three.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [(c.value, str(c.label)) for c in Capability]

    def __str__(self) -> str:
        return "staff capabilities"


class AuditLog(models.Model):
    """One staff write: who, when, from where, what, the state before and after, and why.

    Append-only: the database refuses UPDATE and DELETE on this table (a trigger in the
    migration), so not even a bug in our code can rewrite history. Users who appear here can
    therefore not be deleted, only deactivated.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, help_text="app_label.model")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object"),
            models.Index(fields=["actor", "-at"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        target = f" {self.object_type}:{self.object_id}" if self.object_type else ""
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}{target}"
