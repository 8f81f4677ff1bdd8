"""The profile inventory: pools of one profile type on one SM-DP+, profiles and their history."""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual

from coreesim.fields import EncryptedTextField
from profiles.choices import EventSource, ProfileState
from profiles.iccid import MAX_DIGITS, MIN_DIGITS


class AppendOnlyError(RuntimeError):
    """History rows are written once; changing or removing one is a programming error."""


def _refuse(what: str) -> NoReturn:
    raise AppendOnlyError(f"{what} is append-only: rows are never updated or deleted")


class ProfilePool(models.Model):
    """A batch of profiles of one profile type on one SM-DP+ server, serving some plans.

    ``profile_type`` is the SM-DP+'s own name for the profile package (sent in ES2+
    DownloadOrder); ``version_label`` is ours, so two batches of a re-issued package can be told
    apart. A pool whose available stock falls below ``low_water_mark`` shows up in the
    low-stock selector.
    """

    name = models.SlugField(max_length=64, unique=True)
    smdp_server = models.ForeignKey(
        "smdp_client.SmdpServer", on_delete=models.PROTECT, related_name="pools"
    )
    profile_type = models.CharField(max_length=128)
    version_label = models.CharField(max_length=64, blank=True)
    plans = models.ManyToManyField("profiles.Plan", related_name="pools", blank=True)
    low_water_mark = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


STATE_TIMESTAMP_FIELDS: dict[str, str] = {
    state.value: f"{state.value}_at" for state in ProfileState if state != ProfileState.AVAILABLE
}


class Profile(models.Model):
    """One eSIM profile: its ICCID, where it lives, and where it is in its life.

    The ICCID is stored canonically (``profiles.iccid.iccid_parse``). Secrets are encrypted at
    rest. State changes go through ``profiles.services.profile_transition`` only, which also
    stamps the matching ``<state>_at`` column and writes a ``ProfileEvent``.
    """

    iccid = models.CharField(
        "ICCID",
        max_length=MAX_DIGITS,
        db_collation="C",
        # ASCII digits, matched whole: ``\d`` takes any Unicode digit and ``$`` a trailing newline.
        validators=[RegexValidator(r"\A[0-9]{19,20}\Z")],
        help_text="Unique through profile_unique_iccid. Collated bytewise: digits sort the same, "
        "comparisons are cheaper and that one index also serves prefix search",
    )
    imsi = models.CharField("IMSI", max_length=15, blank=True, db_collation="C")
    pool = models.ForeignKey(
        ProfilePool,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="profiles",
        help_text="Its pool always exists: the database keeps that through PoolStateCount "
        "(whose foreign key is checked once per statement and pool, not once per row)",
    )
    state = models.CharField(
        max_length=16, choices=ProfileState.choices, default=ProfileState.AVAILABLE
    )
    eid = models.CharField("EID", max_length=32, blank=True)
    profile_import = models.ForeignKey(
        "profiles.ProfileImport",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="profiles",
        help_text="The import that brought it in (no database constraint and no index: a "
        "bulk import would pay a check and an index entry per row for an informational link)",
    )

    activation_code = EncryptedTextField()
    matching_id = EncryptedTextField()
    confirmation_code = EncryptedTextField()
    pin1 = EncryptedTextField("PIN1")
    puk1 = EncryptedTextField("PUK1")
    pin2 = EncryptedTextField("PIN2")
    puk2 = EncryptedTextField("PUK2")

    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    reserved_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    installed_at = models.DateTimeField(null=True, blank=True)
    enabled_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["iccid"]
        indexes = [
            models.Index(
                fields=["pool", "id"],
                condition=Q(state=ProfileState.AVAILABLE),
                name="profile_available_by_pool",
            ),
            models.Index(
                fields=["pool", "reserved_at"],
                condition=Q(reserved_at__isnull=False),
                name="profile_pool_reserved_at",
            ),
            models.Index(fields=["eid"], name="profile_eid", condition=~Q(eid="")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["iccid"], name="profile_unique_iccid"),
            # Digits only, at least 19 (the column holds at most 20). A bounded repeat such as
            # {19,20} makes PostgreSQL's regular expression engine cost a second per million rows.
            models.CheckConstraint(
                condition=Q(iccid__regex=r"^[0-9]+$")
                & Q(GreaterThanOrEqual(Length("iccid"), MIN_DIGITS)),
                name="profile_iccid_canonical",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ProfileState.values), name="profile_state_valid"
            ),
            models.UniqueConstraint(
                fields=["imsi"], condition=~Q(imsi=""), name="profile_unique_imsi"
            ),
        ]

    def __str__(self) -> str:
        return self.iccid


class PoolStateCount(models.Model):
    """How many profiles of a pool are in a state, kept by the database as signed deltas.

    Triggers on ``profiles_profile`` (migration 0004) add one row per statement and (pool,
    state) it changed: +n for profiles that arrived, -n for those that left. Nothing else
    writes here except ``pool_state_counts_fold``, which folds the rows of each (pool, state)
    into one. Appending instead of updating one counter row means two transactions that
    reserve from the same pool never wait for each other; a reader summing the rows sees
    exactly the committed profiles, like a ``count(*)`` would, without reading them.

    The foreign key to the pool is what guarantees that a profile's pool exists: every
    profile is counted in a row of its pool (a pool that holds profiles always has a
    nonzero row), and a pool cannot be deleted while such a row refers to it. One check per
    statement and pool replaces the per-row check a foreign key on ``profiles_profile``
    would make, which cost seconds per million imported profiles.
    """

    pool = models.ForeignKey(
        ProfilePool, on_delete=models.DO_NOTHING, db_index=False, related_name="+"
    )
    state = models.CharField(max_length=16, choices=ProfileState.choices)
    delta = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["pool", "state"], name="pool_state_count_key")]

    def __str__(self) -> str:
        return f"{self.pool_id} {self.state} {self.delta:+d}"


class ProfileEventQuerySet(models.QuerySet["ProfileEvent"]):
    def update(self, **kwargs: Any) -> int:
        _refuse("ProfileEvent")

    def delete(self) -> NoReturn:
        _refuse("ProfileEvent")


class ProfileEvent(models.Model):
    """One step in a profile's history. Written once, never changed (a database trigger too).

    ``actor`` is free text (a staff username, ``api:<partner slug>``, ``smdp:<server>``,
    ``system``) so history survives the deletion of whoever acted.
    """

    profile = models.ForeignKey(Profile, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=16, choices=ProfileState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=ProfileState.choices)
    source = models.CharField(max_length=16, choices=EventSource.choices)
    actor = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ProfileEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["profile", "created_at"], name="profile_event_history")]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.from_state or '∅'} → {self.to_state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse("ProfileEvent")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("ProfileEvent")
