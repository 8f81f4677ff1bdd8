"""Profile state changes: the only code that writes ``Profile.state`` after import."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from profiles.choices import EventSource, ProfileState
from profiles.lifecycle import check_transition
from profiles.models import STATE_TIMESTAMP_FIELDS, Profile, ProfileEvent
from profiles.signals import profile_event_recorded

logger = logging.getLogger(__name__)

# Columns a transition may set beside the state (ES2+ results, the EID once known).
TRANSITION_FIELDS = frozenset(
    {"eid", "imsi", "activation_code", "matching_id", "confirmation_code"}
)


def _announce(events: list[ProfileEvent]) -> None:
    """Send ``profile_event_recorded`` for each event inside the transaction that wrote it."""
    for event in events:
        profile_event_recorded.send(sender=ProfileEvent, event=event)


@transaction.atomic
def profile_transition(
    *,
    profile: Profile,
    to_state: ProfileState | str,
    source: EventSource | str,
    actor: str = "",
    reason: str = "",
    payload: dict[str, Any] | None = None,
    **fields: Any,
) -> ProfileEvent | None:
    """Move ``profile`` to ``to_state`` and record why; safe to call twice.

    The row is locked first, so two workers handling the same notification serialise here.
    When the profile is already in ``to_state`` nothing is written and ``None`` is returned
    (a repeated ES2+ notification or a retried task). Any other move not in
    ``profiles.lifecycle`` raises ``IllegalTransition`` and changes nothing. ``fields`` may set
    the EID, IMSI or secrets learned with this step; the caller's ``profile`` object is
    refreshed with what was written.
    """
    target = ProfileState(to_state)
    unknown = set(fields) - TRANSITION_FIELDS
    if unknown:
        raise TypeError(f"profile_transition cannot set {', '.join(sorted(unknown))}")
    locked = Profile.objects.select_for_update().get(pk=profile.pk)
    if locked.state == target:
        _copy_back(locked, profile)
        return None
    check_transition(locked.state, target)
    now = timezone.now()
    source_state = locked.state
    locked.state = target
    locked.state_changed_at = now
    changed = ["state", "state_changed_at", *fields]
    stamp = STATE_TIMESTAMP_FIELDS.get(target.value)
    if stamp:
        setattr(locked, stamp, now)
        changed.append(stamp)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=changed)
    event = ProfileEvent.objects.create(
        profile=locked,
        from_state=source_state,
        to_state=target,
        source=EventSource(source),
        actor=actor,
        reason=reason,
        payload=payload or {},
    )
    logger.info(
        "profile_transition",
        extra={
            "iccid": locked.iccid,
            "from_state": source_state,
            "to_state": target.value,
            "source": str(source),
            "actor": actor,
        },
    )
    _copy_back(locked, profile)
    _announce([event])
    return event


def _copy_back(source: Profile, target: Profile) -> None:
    if source is target:
        return
    for field in Profile._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


# No savepoint: nothing in here refuses, and a database error dooms the caller's transaction
# either way; an order spares two round trips.
@transaction.atomic(savepoint=False)
def profile_reserve_available(
    *,
    pool_ids: list[int],
    quantity: int,
    source: EventSource | str = EventSource.SYSTEM,
    actor: str = "",
    reason: str = "reserved for an order",
) -> list[Profile]:
    """Take up to ``quantity`` available profiles from ``pool_ids`` and mark them reserved.

    ``SELECT … FOR UPDATE SKIP LOCKED`` over the partial index of available profiles means
    concurrent orders never wait on each other and never get the same profile. Fewer than
    ``quantity`` come back when stock runs short; the caller decides whether that is an error
    (and rolls back, which returns them to stock).
    """
    if quantity < 1 or not pool_ids:
        return []
    now = timezone.now()
    # One statement takes, marks and returns them (no second read of rows just written).
    taken = Profile.objects.raw(
        "UPDATE profiles_profile SET state = %s, state_changed_at = %s, reserved_at = %s "
        "WHERE id IN (SELECT id FROM profiles_profile WHERE state = %s AND pool_id = ANY(%s) "
        "ORDER BY pool_id, id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING *",
        [
            ProfileState.RESERVED.value,
            now,
            now,
            ProfileState.AVAILABLE.value,
            list(pool_ids),
            quantity,
        ],
    )
    profiles = sorted(taken, key=lambda p: (p.pool_id, p.pk))
    if not profiles:
        return []
    events = ProfileEvent.objects.bulk_create(
        ProfileEvent(
            profile=p,
            from_state=ProfileState.AVAILABLE,
            to_state=ProfileState.RESERVED,
            source=EventSource(source),
            actor=actor,
            reason=reason,
        )
        for p in profiles
    )
    logger.info("profiles_reserved", extra={"count": len(profiles), "pool_ids": list(pool_ids)})
    _announce(events)
    return profiles
