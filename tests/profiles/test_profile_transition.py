"""profile_transition and profile_reserve_available: the only writers of a profile's state."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from profiles.choices import EventSource, ProfileState
from profiles.lifecycle import IllegalTransition
from profiles.models import AppendOnlyError, Profile, ProfileEvent
from profiles.services import profile_reserve_available, profile_transition
from profiles.signals import profile_event_recorded
from tests.factories.profiles import ProfileFactory, ProfilePoolFactory

pytestmark = pytest.mark.django_db


def test_a_transition_moves_the_state_stamps_its_time_and_records_an_event() -> None:
    profile = ProfileFactory(state=ProfileState.RESERVED)

    event = profile_transition(
        profile=profile,
        to_state=ProfileState.RELEASED,
        source=EventSource.SYSTEM,
        actor="worker",
        reason="ConfirmOrder",
        payload={"order_id": 7},
        matching_id="ABC-123",
    )

    assert event is not None
    assert (event.from_state, event.to_state, event.source) == ("reserved", "released", "system")
    assert event.payload == {"order_id": 7}
    profile.refresh_from_db()
    assert profile.state == ProfileState.RELEASED
    assert profile.released_at == profile.state_changed_at
    assert profile.matching_id.reveal() == "ABC-123"


def test_repeating_a_transition_writes_nothing_and_returns_none() -> None:
    profile = ProfileFactory(state=ProfileState.RESERVED)
    profile_transition(profile=profile, to_state="released", source=EventSource.ES2PLUS)

    again = profile_transition(profile=profile, to_state="released", source=EventSource.ES2PLUS)

    assert again is None
    assert ProfileEvent.objects.filter(profile=profile).count() == 1


def test_an_illegal_transition_is_refused_and_changes_nothing() -> None:
    profile = ProfileFactory(state=ProfileState.AVAILABLE)

    with pytest.raises(IllegalTransition, match="'Available' cannot become 'Installed'"):
        profile_transition(profile=profile, to_state="installed", source=EventSource.STAFF)

    profile.refresh_from_db()
    assert profile.state == ProfileState.AVAILABLE
    assert not ProfileEvent.objects.exists()


def test_only_known_columns_may_be_set_with_a_transition() -> None:
    profile = ProfileFactory(state=ProfileState.RESERVED)
    with pytest.raises(TypeError, match="pool"):
        profile_transition(profile=profile, to_state="released", source="system", pool=None)


def test_the_event_is_announced_inside_the_transaction_that_records_it() -> None:
    heard: list[tuple[ProfileEvent, bool]] = []

    def listen(sender: Any, event: ProfileEvent, **kwargs: Any) -> None:
        heard.append((event, transaction.get_connection().in_atomic_block))

    profile_event_recorded.connect(listen)
    try:
        profile = ProfileFactory(state=ProfileState.RESERVED)
        event = profile_transition(profile=profile, to_state="released", source="system")
    finally:
        profile_event_recorded.disconnect(listen)
    assert heard == [(event, True)]


def test_a_receiver_that_fails_rolls_the_transition_back() -> None:
    def refuse(sender: Any, event: ProfileEvent, **kwargs: Any) -> None:
        raise RuntimeError("cannot write the webhook delivery")

    profile_event_recorded.connect(refuse)
    try:
        profile = ProfileFactory(state=ProfileState.RESERVED)
        with pytest.raises(RuntimeError, match="webhook delivery"):
            profile_transition(profile=profile, to_state="released", source="system")
    finally:
        profile_event_recorded.disconnect(refuse)
    profile.refresh_from_db()
    assert profile.state == ProfileState.RESERVED
    assert not ProfileEvent.objects.filter(profile=profile).exists()


def test_events_cannot_be_changed_or_deleted() -> None:
    profile = ProfileFactory(state=ProfileState.RESERVED)
    event = profile_transition(profile=profile, to_state="released", source="system")
    assert event is not None

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ProfileEvent.objects.filter(pk=event.pk).update(reason="edited")
    with pytest.raises(AppendOnlyError):
        ProfileEvent.objects.filter(pk=event.pk).delete()


def test_the_database_refuses_to_change_history_too() -> None:
    profile = ProfileFactory(state=ProfileState.RESERVED)
    profile_transition(profile=profile, to_state="released", source="system")

    with (
        connection.cursor() as cursor,
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
    ):
        cursor.execute("UPDATE profiles_profileevent SET reason = 'x'")


def test_reserving_takes_available_profiles_and_marks_them_reserved() -> None:
    pool = ProfilePoolFactory()
    ProfileFactory.create_batch(3, pool=pool)
    ProfileFactory(pool=pool, state=ProfileState.RETIRED)

    taken = profile_reserve_available(pool_ids=[pool.pk], quantity=2)

    assert len(taken) == 2
    assert {p.state for p in taken} == {ProfileState.RESERVED}
    assert all(p.reserved_at is not None for p in taken)
    assert Profile.objects.filter(pool=pool, state=ProfileState.AVAILABLE).count() == 1
    events = ProfileEvent.objects.filter(profile__in=taken)
    assert {(e.from_state, e.to_state) for e in events} == {("available", "reserved")}


def test_reserving_more_than_in_stock_returns_what_there_is() -> None:
    pool = ProfilePoolFactory()
    ProfileFactory(pool=pool)
    assert len(profile_reserve_available(pool_ids=[pool.pk], quantity=5)) == 1
    assert profile_reserve_available(pool_ids=[pool.pk], quantity=1) == []
