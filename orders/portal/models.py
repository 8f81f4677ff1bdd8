"""The portal's rows, part of the ``orders`` app (``orders/models.py`` imports them).

``EsimAccessToken`` is the traveler's key to one eSIM page; ``TravelerEmail`` is the outbox of
emails to travelers: a row is written first, in the transaction that caused it, and a worker
sends it after commit (HOUSE_STYLE: the database is the truth, the broker only a doorbell).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from coreesim.fields import EncryptedTextField
from orders.portal.choices import ONCE_PER_ESIM, EmailKind, EmailStatus


class EsimAccessToken(models.Model):
    esim = models.OneToOneField(
        "orders.Esim", on_delete=models.CASCADE, related_name="portal_access"
    )
    token = EncryptedTextField(help_text="The URL token; shown only through the page link.")
    token_digest = models.CharField(max_length=64, unique=True)
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text="The traveler's language for emails: the last one the page was shown in.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "orders"
        verbose_name = "eSIM page access"
        verbose_name_plural = "eSIM page access"

    def __str__(self) -> str:
        return f"page access for eSIM {self.esim_id}"


class TravelerEmail(models.Model):
    esim = models.ForeignKey(
        "orders.Esim", on_delete=models.CASCADE, related_name="traveler_emails"
    )
    kind = models.CharField(max_length=16, choices=EmailKind.choices)
    status = models.CharField(
        max_length=8, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    occasion = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="What makes a once-only email due again: the ICCID for 'ready' (a reissued "
        "eSIM gets a new code), the allowance period for thresholds (a top-up starts a new one)",
    )
    recipient = models.EmailField()
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        default=timezone.now,
        help_text="When the sweep sends it if still pending: the next retry after a failure "
        "(services.email_retry_delay), or a lost first doorbell",
    )
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "orders"
        constraints = [
            models.UniqueConstraint(
                fields=["esim", "kind", "occasion"],
                condition=Q(kind__in=[k.value for k in ONCE_PER_ESIM]),
                name="traveler_email_once_per_occasion",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=EmailStatus.PENDING),
                name="traveler_email_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} email for eSIM {self.esim_id} ({self.status})"
