"""Orders, the eSIMs they deliver, top-ups, usage, and the provisioning outbox.

Invariants the database holds by itself (not only the services):
- a profile is in at most one eSIM (``Esim.profile`` is a unique one-to-one; an eSIM that gives
  its profile back, e.g. cancelled unused, lets go of it and keeps the ICCID as history);
- an idempotency key places at most one order per partner;
- each usage threshold event exists at most once per eSIM and allowance period;
- a usage record from the network is counted at most once.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from coreesim.fields import EncryptedTextField
from orders.choices import (
    MAX_QUANTITY,
    MIN_QUANTITY,
    EsimStatus,
    EsimStep,
    FailureOutcome,
    JobKind,
    JobStatus,
    OrderStatus,
    UsageEventKind,
)


def money(**kwargs: object) -> models.DecimalField:
    """A money column: ``Decimal`` with cents, never a float."""
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class Order(models.Model):
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="orders")
    plan = models.ForeignKey("profiles.Plan", on_delete=models.PROTECT, related_name="orders")
    quantity = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=24, choices=OrderStatus.choices, default=OrderStatus.PROVISIONING
    )
    currency = models.CharField(max_length=3)
    unit_price = money()
    total_price = money()
    refunded_amount = money(default=Decimal("0.00"))
    idempotency_key = models.CharField(max_length=255)
    reference = models.CharField(max_length=255, blank=True, help_text="The partner's reference")
    traveler_email = models.EmailField(blank=True)
    traveler_name = models.CharField(max_length=255, blank=True)
    traveler_language = models.CharField(
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text="The traveler's language for the first emails (empty: the site default)",
    )
    eid = models.CharField(max_length=32, blank=True, help_text="Binds the profiles to one eUICC")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "idempotency_key"], name="order_idempotency_key_per_partner"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=MIN_QUANTITY, quantity__lte=MAX_QUANTITY),
                name="order_quantity_in_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status=OrderStatus.PROVISIONING),
                name="order_provisioning",
            ),
            # The dashboard's "failed orders (7 days)": a handful among millions of orders.
            models.Index(
                fields=["created_at"],
                condition=Q(status=OrderStatus.FAILED),
                name="order_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.status})"


# Must match ``% 16`` in the trigger of migration orders.0007_dashboard_sales_rollup.
SALES_DAY_SLOTS = 16


class SalesDay(models.Model):
    """Orders and revenue per UTC day, partner and currency: the dashboard's sales figures.

    Kept by a PostgreSQL trigger on ``orders_order`` (migration
    ``orders.0007_dashboard_sales_rollup``): an order counts from the moment it is written and
    not while it is ``failed`` (a staff retry counts it again), on the day it was placed, for
    its ``total_price``. A trigger rather than service code, so no path that writes an order
    (services, admin, bulk SQL) can leave the figures out of step.

    Each day, partner and currency has ``SALES_DAY_SLOTS`` rows, the order's id choosing one:
    the row an order updates stays locked until its transaction commits, and one row per day
    would make a partner's concurrent orders wait for each other. Thirty days of sales are at
    most 30 x 16 rows per partner instead of an aggregate over every order.
    """

    day = models.DateField()
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    currency = models.CharField(max_length=3)
    slot = models.PositiveSmallIntegerField(help_text="order id modulo SALES_DAY_SLOTS")
    orders = models.IntegerField(default=0)
    revenue = money(default=Decimal("0.00"))

    class Meta:
        ordering = ["-day", "partner", "currency", "slot"]
        verbose_name = "sales day"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "partner", "currency", "slot"], name="sales_day_slot_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} partner {self.partner_id}: {self.orders} orders"


class Esim(models.Model):
    """One sold profile: what the traveler installs, with its allowance and validity."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="esims")
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="esims",
        db_index=False,  # esim_partner_newest (partner, -id) serves every lookup by partner
        help_text="The order's partner, copied so a partner's eSIM list is one index range "
        "(the database refuses any other partner than the order's)",
    )
    profile = models.OneToOneField(
        "profiles.Profile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="esim",
        help_text="Empty once the profile went back to stock (cancelled unused)",
    )
    iccid = models.CharField(max_length=20, db_index=True)
    status = models.CharField(
        max_length=16, choices=EsimStatus.choices, default=EsimStatus.PROVISIONING
    )
    step = models.CharField(max_length=24, choices=EsimStep.choices, default=EsimStep.NONE)
    eid = models.CharField(max_length=32, blank=True)
    smdp_address = models.CharField(max_length=255, blank=True)
    activation_code = EncryptedTextField()
    confirmation_required = models.BooleanField(default=False)
    failure_code = models.CharField(max_length=32, blank=True, help_text="subject/reason")
    failure_reason = models.TextField(
        blank=True,
        help_text="The SM-DP+'s words, secrets in them (activation codes, matching IDs) redacted",
    )
    failure_outcome = models.CharField(max_length=16, blank=True, choices=FailureOutcome.choices)
    attempts = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(
        default=0, help_text="Staff retries after a failure; each is charged and refunded apart"
    )
    suspended_from = models.CharField(
        max_length=16, blank=True, help_text="The profile state to resume to after a suspension"
    )
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is provisioning this eSIM until then"
    )
    data_mb = models.PositiveIntegerField(
        null=True, blank=True, help_text="Allowance (plan + top-ups); empty = unlimited"
    )
    data_used_mb = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    validity_days = models.PositiveIntegerField()
    allowance_period = models.PositiveIntegerField(
        default=0, help_text="Counts top-ups: thresholds fire once per period"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "eSIM"
        indexes = [
            models.Index(
                fields=["order"],
                condition=Q(status=EsimStatus.PROVISIONING),
                name="esim_provisioning",
            ),
            models.Index(fields=["partner", "-id"], name="esim_partner_newest"),
            # The dashboard's "needs a human": failed eSIMs whose profile was quarantined.
            models.Index(
                fields=["-id"],
                condition=Q(status=EsimStatus.FAILED, failure_outcome=FailureOutcome.QUARANTINED),
                name="esim_quarantined",
            ),
        ]

    def __str__(self) -> str:
        return f"eSIM {self.iccid} ({self.status})"


class EsimReissue(models.Model):
    """History of reissues: the old code stopped working, a new one was provisioned."""

    esim = models.ForeignKey(Esim, on_delete=models.CASCADE, related_name="reissues")
    old_iccid = models.CharField(max_length=20)
    new_iccid = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=255)
    actor = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"reissue of eSIM {self.esim_id}: {self.old_iccid} -> {self.new_iccid}"


class TopUp(models.Model):
    esim = models.ForeignKey(Esim, on_delete=models.PROTECT, related_name="top_ups")
    plan = models.ForeignKey("profiles.Plan", on_delete=models.PROTECT, related_name="top_ups")
    currency = models.CharField(max_length=3)
    price = money()
    data_mb = models.PositiveIntegerField(null=True, blank=True)
    validity_days = models.PositiveIntegerField()
    previous_expires_at = models.DateTimeField(null=True, blank=True)
    new_expires_at = models.DateTimeField(null=True, blank=True)
    previous_data_mb = models.PositiveIntegerField(null=True, blank=True)
    new_data_mb = models.PositiveIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["esim", "idempotency_key"], name="top_up_idempotency_key_per_esim"
            )
        ]

    def __str__(self) -> str:
        return f"top-up {self.pk} of eSIM {self.esim_id}"


class UsageRecord(models.Model):
    """One data-usage record from the network side; ``record_id`` makes ingest repeatable."""

    esim = models.ForeignKey(Esim, on_delete=models.CASCADE, related_name="usage_records")
    record_id = models.CharField(max_length=128, unique=True)
    used_mb = models.DecimalField(max_digits=14, decimal_places=3)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_end", "id"]

    def __str__(self) -> str:
        return f"usage {self.record_id}: {self.used_mb} MB"


class UsageEvent(models.Model):
    """A threshold crossed (50/80/100 % data, 3 days/1 day left): emitted once per period."""

    esim = models.ForeignKey(Esim, on_delete=models.CASCADE, related_name="usage_events")
    kind = models.CharField(max_length=16, choices=UsageEventKind.choices)
    period = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["esim", "kind", "period"], name="usage_event_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for eSIM {self.esim_id}"


class ProvisioningJob(models.Model):
    """The outbox row of one provisioning job: the broker message is only its doorbell.

    Written in the transaction that accepts the order; the beat task re-sends every pending job
    whose ``next_attempt_at`` has passed, so an order accepted while the broker was down (or whose
    message was lost with a worker) is still provisioned.
    """

    kind = models.CharField(max_length=16, choices=JobKind.choices)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="jobs")
    esim = models.ForeignKey(
        Esim, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.PENDING)
    sends = models.PositiveIntegerField(default=0, help_text="Times the doorbell was rung")
    next_attempt_at = models.DateTimeField(help_text="Re-send if still pending after this")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=JobStatus.PENDING),
                name="provisioning_job_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.status})"


# The traveler portal's rows (page access, email outbox) belong to this app and migrate with it.
from orders.portal.models import EsimAccessToken, TravelerEmail  # noqa: E402, F401
