"""Partner states, API key scopes and ledger entry kinds, spelled once."""

from django.db import models


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"


class ApiScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


class LedgerKind(models.TextChoices):
    TOPUP = "topup", "Top-up"
    ORDER_DEBIT = "order_debit", "Order debit"
    REFUND = "refund", "Refund"
    ADJUSTMENT = "adjustment", "Adjustment"


API_KEY_PREFIX = "cesk_"
