"""What we sell and where it works: countries, regions, mobile networks and plans.

Countries, regions and networks are loaded from the data files in ``profiles/data`` (see
``catalogue_load``), never typed by hand, so every environment has the same codes.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from profiles.choices import CoverageKind

# \A…\Z and explicit ASCII classes: ``$`` also matches before a trailing newline and ``\d``
# takes any Unicode digit (Arabic-Indic ones too); an SM-DP+ or a partner understands neither.
currency_code = RegexValidator(r"\A[A-Z]{3}\Z", "Use an ISO 4217 code such as USD or EUR.")


class Country(models.Model):
    """An ISO 3166-1 country and the mobile country codes (MCC) its networks use."""

    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    iso3 = models.CharField("ISO alpha-3", max_length=3, unique=True)
    name = models.CharField(max_length=100)
    mccs = ArrayField(models.CharField(max_length=3), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return f"{self.name} ({self.iso2})"


class Region(models.Model):
    """A named set of countries a regional plan covers (Europe, Asia, Global …)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    countries = models.ManyToManyField(Country, related_name="regions", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Network(models.Model):
    """A mobile operator's network in one country, identified by its MCC-MNC."""

    operator = models.CharField(max_length=100)
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="networks")
    mcc = models.CharField(max_length=3, validators=[RegexValidator(r"\A[0-9]{3}\Z")])
    mnc = models.CharField(max_length=3, validators=[RegexValidator(r"\A[0-9]{2,3}\Z")])
    lte = models.BooleanField("4G", default=True)
    nr = models.BooleanField("5G", default=False)

    class Meta:
        ordering = ["country__name", "operator"]
        constraints = [
            models.UniqueConstraint(fields=["mcc", "mnc"], name="network_unique_mcc_mnc"),
        ]

    def __str__(self) -> str:
        return f"{self.operator} ({self.mcc_mnc})"

    @property
    def mcc_mnc(self) -> str:
        return f"{self.mcc}-{self.mnc}"


class Plan(models.Model):
    """A data plan partners sell: coverage, allowance, validity and price.

    ``data_mb`` empty means unlimited; an unlimited plan states the speed it is throttled to
    after fair use. Money is ``Decimal`` in ``currency``. Partners may sell a plan only when
    they hold the ``sell_plan`` object permission on it (see ``partners.services``).
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    data_mb = models.PositiveIntegerField(
        null=True, blank=True, help_text="Data allowance in MB; empty means unlimited"
    )
    throttle_kbps = models.PositiveIntegerField(
        null=True, blank=True, help_text="Speed after the fair-use allowance (unlimited plans)"
    )
    validity_days = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    is_top_up = models.BooleanField(
        default=False, help_text="A top-up adds data/days to an eSIM already sold"
    )
    is_active = models.BooleanField(default=True)
    wholesale_cost = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    retail_price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Default price to partners without an override",
    )
    currency = models.CharField(max_length=3, default="USD", validators=[currency_code])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        permissions = [("sell_plan", "Can sell this plan")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(country__isnull=False) & Q(region__isnull=True))
                | (Q(country__isnull=True) & Q(region__isnull=False)),
                name="plan_covers_one_country_or_one_region",
            ),
            models.CheckConstraint(
                condition=Q(data_mb__isnull=False) | Q(throttle_kbps__isnull=False),
                name="plan_unlimited_has_throttle",
            ),
            models.CheckConstraint(
                condition=Q(wholesale_cost__gte=0) & Q(retail_price__gte=0),
                name="plan_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def coverage_kind(self) -> CoverageKind:
        return CoverageKind.COUNTRY if self.country_id else CoverageKind.REGION

    @property
    def is_unlimited(self) -> bool:
        return self.data_mb is None
