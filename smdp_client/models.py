from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from coreesim.fields import EncryptedTextField


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
