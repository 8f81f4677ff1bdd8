"""Webhook endpoints, the messages owed to them, and every attempt to deliver one.

Imported by ``partners/models.py`` so that these are models of the partners app.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from coreesim.fields import EncryptedTextField
from partners.webhooks.choices import DeliveryStatus, EndpointStatus, WebhookEventType


class WebhookEndpoint(models.Model):
    """Where a partner wants events. An empty ``event_types`` means every event type.

    ``previous_secret`` keeps signing for a grace period after a rotation, so a receiver can
    switch secrets without losing a message. ``failing_since`` is the first failed attempt
    since the last success; the endpoint is disabled when that lasts too long.
    """

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2048)
    description = models.CharField(max_length=200, blank=True, default="")
    event_types = ArrayField(
        models.CharField(max_length=40, choices=WebhookEventType.choices), default=list, blank=True
    )
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField()
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=EndpointStatus.choices, default=EndpointStatus.ENABLED
    )
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["partner", "status"], name="webhook_ep_partner_status")]

    def __str__(self) -> str:
        return f"{self.partner_id} → {self.url}"

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    """One message to one endpoint; ``message_id`` is the ``webhook-id`` on every attempt.

    ``leased_until`` is set while a worker makes an attempt, so a redelivery cannot send the
    message a second time in parallel. ``next_attempt_manual`` marks an attempt asked for by
    hand (a redelivery or a test message). ``retry_resumes_at`` is when the automatic attempt
    that a redelivery went ahead of was due: it keeps that time if the manual attempt fails.
    """

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=40, choices=WebhookEventType.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    auto_retry = models.BooleanField(default=True)
    next_attempt_manual = models.BooleanField(default=False)
    retry_resumes_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response_excerpt = models.TextField(blank=True, default="")
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["partner", "-id"], name="webhook_dl_partner_id"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_dl_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.event_type} ({self.status})"


class WebhookAttempt(models.Model):
    """The delivery log: one row per HTTP attempt, kept for the partner to inspect."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    manual = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    succeeded = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    response_excerpt = models.TextField(blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhook_attempt_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number}"
