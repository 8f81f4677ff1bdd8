from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from coreesim.fields import EncryptedTextField
from smdp_client.choices import (
    CallOutcome,
    Es2Function,
    FailureAction,
    NotificationState,
    TransportFailure,
)


class SmdpServer(models.Model):
    """One SM-DP+ we speak ES2+ to, and how we let it speak back to us."""

    name = models.SlugField(max_length=64, unique=True)
    base_url = models.URLField(help_text="ES2+ endpoint root, e.g. https://smdp.example.com")
    smdp_address = models.CharField(
        max_length=255, help_text="FQDN that goes into activation codes (LPA:1$<address>$…)"
    )
    smdp_oid = models.CharField(
        max_length=128, blank=True, help_text="SM-DP+ OID, appended to activation codes when set"
    )
    requester_id = models.CharField(
        max_length=128, help_text="Our functionRequesterIdentifier at this SM-DP+"
    )
    admin_protocol = models.CharField(max_length=32, default="gsma/rsp/v2.5.0")
    client_certificate = models.TextField(blank=True, help_text="PEM client certificate (public)")
    client_private_key = EncryptedTextField(help_text="PEM private key, encrypted at rest")
    ca_bundle = models.TextField(blank=True, help_text="PEM CA chain that signs the server")
    connect_timeout = models.FloatField(default=5.0)
    read_timeout = models.FloatField(default=30.0)
    max_concurrency = models.PositiveIntegerField(default=8)
    rate_limit_per_second = models.PositiveIntegerField(default=50)
    inbound_secret = EncryptedTextField(
        help_text="Shared secret the SM-DP+ sends in the X-CoreESIM-Secret header"
    )
    inbound_cert_fingerprint = models.CharField(
        max_length=95, blank=True, help_text="SHA-256 fingerprint of its client certificate"
    )
    inbound_allowed_ips = models.JSONField(default=list, blank=True)
    allow_plain_http = models.BooleanField(
        default=False, help_text="Only for local simulators: allow http:// without TLS"
    )
    circuit_failure_threshold = models.PositiveIntegerField(
        default=5, help_text="Consecutive transport failures that open the circuit breaker"
    )
    circuit_reset_seconds = models.PositiveIntegerField(
        default=30, help_text="How long an open circuit refuses calls before one probe"
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "SM-DP+ server"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.base_url.startswith("http://") and not self.allow_plain_http:
            raise ValidationError(
                {"base_url": "Plain http:// is refused unless allow_plain_http is set."}
            )
        if not self.base_url.startswith(("http://", "https://")):
            raise ValidationError({"base_url": "The base URL must start with https://."})

    @property
    def uses_tls(self) -> bool:
        return self.base_url.startswith("https://")


class Es2Call(models.Model):
    """One ES2+ call we made, written before the request leaves and completed after.

    It is the evidence the lost-response logic relies on ("did we already try this?"), and what
    staff read to follow the conversation about one ICCID. Bodies are stored redacted (matching
    IDs and confirmation codes never land here); codes and messages are kept verbatim.
    """

    server = models.ForeignKey(SmdpServer, on_delete=models.PROTECT, related_name="calls")
    function = models.CharField(max_length=32, choices=Es2Function.choices)
    function_call_identifier = models.CharField(max_length=64, unique=True)
    iccid = models.CharField(max_length=20, blank=True, db_index=True)
    eid = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(
        max_length=16, choices=CallOutcome.choices, default=CallOutcome.PENDING, db_index=True
    )
    execution_status = models.CharField(max_length=32, blank=True)
    subject_code = models.CharField(max_length=32, blank=True)
    reason_code = models.CharField(max_length=32, blank=True)
    subject_identifier = models.CharField(max_length=255, blank=True)
    message = models.TextField(blank=True)
    retryable = models.BooleanField(null=True)
    failure_kind = models.CharField(max_length=16, blank=True, choices=TransportFailure.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    resolution = models.TextField(
        blank=True, help_text="How a later step resolved this call (e.g. lost-response recovery)"
    )
    request_body = models.JSONField(default=dict)
    response_body = models.JSONField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "ES2+ call"
        indexes = [
            models.Index(
                fields=["server", "iccid", "function", "-started_at"], name="es2call_iccid_fn"
            )
        ]

    def __str__(self) -> str:
        return f"{self.function} {self.iccid or '-'} {self.outcome}"

    @property
    def code(self) -> str:
        return f"{self.subject_code}/{self.reason_code}" if self.subject_code else ""


class FailureRule(models.Model):
    """One row of the failure classification table (ES2PLUS.md "Failures"), editable by staff.

    ``subject_code`` ``*`` matches any subject. A code with no row is not retryable.
    """

    subject_code = models.CharField(max_length=32, help_text="e.g. 8.2.1, or * for any subject")
    reason_code = models.CharField(max_length=32, help_text="e.g. 3.9")
    retryable = models.BooleanField(default=False)
    action = models.CharField(
        max_length=16, choices=FailureAction.choices, default=FailureAction.NONE
    )
    meaning = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["subject_code", "reason_code"]
        verbose_name = "ES2+ failure rule"
        constraints = [
            models.UniqueConstraint(
                fields=["subject_code", "reason_code"], name="failurerule_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_code}/{self.reason_code}"


class Es2Notification(models.Model):
    """One handleDownloadProgressInfo as received, stored before we answer 204.

    Unique on (server, functionCallIdentifier): a duplicate is acknowledged and not stored again.
    ``payload`` keeps the whole body as received; the columns beside it are parsed copies.
    """

    server = models.ForeignKey(SmdpServer, on_delete=models.PROTECT, related_name="notifications")
    function_call_identifier = models.CharField(max_length=255)
    requester_identifier = models.CharField(max_length=255)
    iccid = models.CharField(max_length=20, db_index=True)
    profile_type = models.CharField(max_length=255)
    notification_point_id = models.IntegerField()
    point_status = models.CharField(max_length=64)
    status_code_data = models.JSONField(null=True, blank=True)
    eid = models.CharField(max_length=32, blank=True)
    result_data = models.TextField(blank=True)
    timestamp = models.DateTimeField()
    payload = models.JSONField()
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(
        max_length=16,
        choices=NotificationState.choices,
        default=NotificationState.RECEIVED,
        db_index=True,
    )
    needs_attention = models.BooleanField(default=False, db_index=True)
    detail = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "ES2+ notification"
        constraints = [
            models.UniqueConstraint(
                fields=["server", "function_call_identifier"], name="es2notification_unique_call"
            )
        ]

    def __str__(self) -> str:
        return f"{self.iccid} point {self.notification_point_id} {self.point_status}"
