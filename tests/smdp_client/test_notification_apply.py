"""Applying stored notifications to profiles: forward only, EID recorded, unknowns flagged."""

from __future__ import annotations

import pytest

from profiles.choices import EventSource, ProfileState
from profiles.models import ProfileEvent
from smdp_client.choices import NotificationState
from smdp_client.notifications.apply import NotificationNotReady, notification_apply
from tests.factories.profiles import ProfileFactory, ProfilePoolFactory
from tests.factories.smdp_client import Es2NotificationFactory, SmdpServerFactory

EID = "89049032000000000000000000000999"
pytestmark = pytest.mark.django_db


@pytest.fixture
def smdp():
    return SmdpServerFactory(name="acme")


@pytest.fixture
def profile(smdp):
    return ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp), state=ProfileState.RELEASED)


def notify(profile, point: int, status: str = "Executed-Success", **fields):
    return Es2NotificationFactory(
        server=profile.pool.smdp_server,
        iccid=profile.iccid,
        notification_point_id=point,
        point_status=status,
        **fields,
    )


def apply(note, **kwargs) -> NotificationState:
    return notification_apply(notification_id=note.pk, **kwargs)


def test_download_then_install_move_the_profile_forward_with_one_event_each(profile):
    assert apply(notify(profile, 3, eid=EID)) == NotificationState.APPLIED
    assert apply(notify(profile, 4, eid=EID)) == NotificationState.APPLIED

    profile.refresh_from_db()
    assert profile.state == ProfileState.INSTALLED
    events = list(ProfileEvent.objects.filter(profile=profile).order_by("pk"))
    assert [e.to_state for e in events] == [ProfileState.DOWNLOADED, ProfileState.INSTALLED]
    assert {e.source for e in events} == {EventSource.ES2PLUS}
    assert events[0].payload["notification_point_id"] == 3


def test_the_eid_is_recorded_the_first_time_we_learn_it(profile):
    apply(notify(profile, 3, eid=EID))

    profile.refresh_from_db()
    assert profile.eid == EID


def test_install_before_download_wins_and_the_late_download_is_kept_as_stale(profile):
    install, download = notify(profile, 4), notify(profile, 3)

    assert apply(install) == NotificationState.APPLIED
    assert apply(download) == NotificationState.STALE

    profile.refresh_from_db()
    assert profile.state == ProfileState.INSTALLED
    assert ProfileEvent.objects.filter(profile=profile).count() == 1


def test_applying_the_same_notification_twice_changes_nothing_more(profile):
    note = notify(profile, 3)
    apply(note)

    assert apply(note) == NotificationState.APPLIED
    assert ProfileEvent.objects.filter(profile=profile).count() == 1


def test_a_second_notification_for_a_step_already_taken_is_stale(profile):
    apply(notify(profile, 3))

    assert apply(notify(profile, 3)) == NotificationState.STALE


def test_an_unknown_iccid_is_kept_and_flagged_for_staff(smdp):
    note = Es2NotificationFactory(server=smdp, iccid="89000000000000000001")

    assert apply(note) == NotificationState.UNKNOWN_ICCID
    note.refresh_from_db()
    assert note.needs_attention is True


def test_a_profile_held_under_another_smdp_is_flagged(profile):
    note = Es2NotificationFactory(server=SmdpServerFactory(name="other"), iccid=profile.iccid)

    assert apply(note) == NotificationState.UNKNOWN_ICCID
    profile.refresh_from_db()
    assert profile.state == ProfileState.RELEASED


@pytest.mark.parametrize("point", [1, 2, 6, 99])
def test_other_points_are_recorded_without_a_state_change(profile, point):
    assert apply(notify(profile, point)) == NotificationState.RECORDED

    profile.refresh_from_db()
    assert profile.state == ProfileState.RELEASED


def test_a_failed_download_is_recorded_without_a_state_change(profile):
    assert apply(notify(profile, 3, status="Failed")) == NotificationState.RECORDED

    profile.refresh_from_db()
    assert profile.state == ProfileState.RELEASED


def test_a_download_before_the_release_is_recorded_waits_for_it(smdp):
    profile = ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp), state=ProfileState.RESERVED)
    note = notify(profile, 3)

    with pytest.raises(NotificationNotReady):
        apply(note)
    note.refresh_from_db()
    assert note.state == NotificationState.RECEIVED


def test_a_download_that_never_becomes_possible_is_flagged_on_the_last_attempt(smdp):
    profile = ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp), state=ProfileState.RESERVED)
    note = notify(profile, 3)

    assert apply(note, final_attempt=True) == NotificationState.NOT_APPLICABLE
    note.refresh_from_db()
    assert note.needs_attention is True


def test_a_notification_for_a_retired_profile_is_flagged_and_changes_nothing(smdp):
    profile = ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp), state=ProfileState.RETIRED)

    assert apply(notify(profile, 4)) == NotificationState.NOT_APPLICABLE
    profile.refresh_from_db()
    assert profile.state == ProfileState.RETIRED


def test_an_eid_other_than_the_recorded_one_is_flagged(profile):
    apply(notify(profile, 3, eid=EID))

    note = notify(profile, 4, eid="89049032000000000000000000000111")
    apply(note)

    note.refresh_from_db()
    assert note.needs_attention is True
    assert "differs" in note.detail
