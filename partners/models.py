"""Partners (MVNOs and resellers), their API keys, prices and balance ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from django.contrib.auth.models import Group
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partners.choices import API_KEY_PREFIX, ApiScope, LedgerKind, PartnerStatus

currency_code = RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code such as USD or EUR.")
hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a #rrggbb colour.")


class LedgerAppendOnlyError(RuntimeError):
    """Ledger entries are written once; a correction is a new ``adjustment`` entry."""


def _refuse() -> NoReturn:
    raise LedgerAppendOnlyError(
        "LedgerEntry is append-only: post an adjustment instead of changing an entry"
    )


class Partner(models.Model):
    """An MVNO or reseller that sells our plans through the API.

    A partner may have a ``parent``: a sub-account with its own keys, prices and balance.
    Plan access is a django-guardian object permission (``profiles.sell_plan``) granted to the
    partner's own auth ``group`` (created with the partner): a partner is an organisation, not
    a login, and a group lets any staff or portal user who acts for it share its access.
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    status = models.CharField(
        max_length=16, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    currency = models.CharField(max_length=3, default="USD", validators=[currency_code])
    credit_limit = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="How far below zero the balance may go",
    )
    group = models.OneToOneField(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="partner"
    )
    display_name = models.CharField(max_length=200, blank=True, help_text="Name shown to travelers")
    logo_url = models.URLField(blank=True)
    brand_colour = models.CharField(max_length=7, blank=True, validators=[hex_colour])
    support_email = models.EmailField(blank=True)
    support_url = models.URLField(blank=True)
    support_phone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="partner_credit_limit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == PartnerStatus.ACTIVE

    @property
    def brand_name(self) -> str:
        return self.display_name or self.name


class PriceOverride(models.Model):
    """The price one partner pays for one plan, in the partner's currency."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="price_overrides")
    plan = models.ForeignKey(
        "profiles.Plan", on_delete=models.CASCADE, related_name="price_overrides"
    )
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner", "plan"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "plan"], name="price_override_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="price_override_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} / {self.plan_id}: {self.price}"


class ApiKey(models.Model):
    """A partner API key. Only ``prefix`` (to find it) and a keyed hash of the secret are kept.

    The full key ``cesk_<prefix>.<secret>`` is shown once, by ``api_key_create``.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    hashed_secret = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=8, choices=ApiScope.choices), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{API_KEY_PREFIX}{self.prefix}.…"

    @property
    def display(self) -> str:
        return str(self)

    def is_usable(self, at: Any = None) -> bool:
        now = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has_scope(self, scope: ApiScope | str) -> bool:
        return str(scope) in self.scopes


class PartnerBalance(models.Model):
    """The sum of a partner's ledger entries, kept by the database as each entry is posted.

    A trigger on the ledger adds every new entry's amount here in the inserting transaction
    (``INSERT … ON CONFLICT DO UPDATE`` takes the row lock, so concurrent postings add up),
    so reading a balance costs one row instead of a sum over the partner's whole history.
    Any other write to this table is refused by the database.
    """

    partner = models.OneToOneField(
        Partner, primary_key=True, on_delete=models.CASCADE, related_name="running_balance"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    def __str__(self) -> str:
        return f"balance of partner {self.partner_id}: {self.amount}"


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> int:
        _refuse()

    def delete(self) -> NoReturn:
        _refuse()


class LedgerEntry(models.Model):
    """One movement of a partner's prepaid balance; the balance is the sum of ``amount``.

    Credits (top-up, refund) are positive, debits (order) negative, adjustments either. A
    ``reference`` (``order:42``) is unique per partner and kind, so a retried debit or refund
    is recorded once.
    """

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=16, choices=LedgerKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, validators=[currency_code])
    reference = models.CharField(max_length=200, blank=True)
    memo = models.CharField(max_length=500, blank=True)
    actor = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["partner", "created_at"], name="ledger_partner_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind", "reference"],
                condition=~Q(reference=""),
                name="ledger_reference_once",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(kind__in=["topup", "refund"], amount__gt=0)
                | Q(kind="order_debit", amount__lt=0)
                | Q(kind="adjustment"),
                name="ledger_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} ({self.reference or '-'})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()


# Webhook endpoints and deliveries are partners' models, kept in their own module.
from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
