"""Real Celery worker: notifications applied end to end, ES2+ tasks idempotent on redelivery."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from coreesim.secrets import reveal
from profiles.choices import EventSource, ProfileState
from profiles.models import Profile, ProfileEvent
from smdp_client.choices import CallOutcome
from smdp_client.client import Es2Client
from smdp_client.errors import Es2FunctionError
from smdp_client.models import Es2Call, Es2Notification, FailureRule
from smdp_client.tasks import apply_pending_notifications, cancel_order, download_order
from tests.factories.profiles import ProfileFactory, ProfilePoolFactory
from tests.factories.smdp_client import Es2NotificationFactory, SmdpServerFactory
from tests.smdp_client.notifications import EID, body, post

pytestmark = pytest.mark.worker


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def profile_state(profile) -> str:
    return Profile.objects.get(pk=profile.pk).state


def test_a_worker_applies_a_received_notification_to_the_profile(celery_worker, client):
    smdp = SmdpServerFactory(name="acme")
    profile = ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp), state=ProfileState.RELEASED)

    response = post(client, smdp, body(profile.iccid, 3))

    assert response.status_code == 204
    assert wait_until(lambda: profile_state(profile) == ProfileState.DOWNLOADED)
    assert Profile.objects.get(pk=profile.pk).eid == EID
    event = ProfileEvent.objects.get(profile=profile)
    assert event.source == EventSource.ES2PLUS


def test_the_simulator_plays_the_device_through_our_endpoint_to_installed(
    celery_worker, live_server, sim
):
    smdp = SmdpServerFactory(name="acme", base_url=sim.url)
    profile = ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp), state=ProfileState.RELEASED)
    sim.configure(
        notify_url=f"{live_server.url}/gsma/rsp2/es2plus/handleDownloadProgressInfo",
        notify_secret=reveal(smdp.inbound_secret),
    )

    sent = sim.post("notify", {"iccid": profile.iccid, "points": [3, 4], "eid": EID})

    assert [s["http_status"] for s in sent] == [204, 204]
    assert wait_until(lambda: profile_state(profile) == ProfileState.INSTALLED)
    assert Es2Notification.objects.filter(iccid=profile.iccid).count() == 2


def test_confirm_with_release_makes_the_simulator_send_download_then_install(
    celery_worker, live_server, sim
):
    smdp = SmdpServerFactory(name="acme", base_url=sim.url)
    profile = ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp), state=ProfileState.RELEASED)
    sim.configure(
        notify_url=f"{live_server.url}/gsma/rsp2/es2plus/handleDownloadProgressInfo",
        notify_secret=reveal(smdp.inbound_secret),
        device_delay_ms=50,
    )
    client = Es2Client(smdp)
    client.download_order(iccid=profile.iccid)

    client.confirm_order(iccid=profile.iccid, release_flag=True)

    assert wait_until(lambda: profile_state(profile) == ProfileState.INSTALLED)
    points = sorted(
        Es2Notification.objects.filter(iccid=profile.iccid).values_list(
            "notification_point_id", flat=True
        )
    )
    assert points == [3, 4]
    assert sim.state(profile.iccid) == "Installed"


def test_a_redelivered_download_task_does_not_reserve_twice(celery_worker, sim):
    smdp = SmdpServerFactory(name="acme", base_url=sim.url)
    iccid = ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp)).iccid
    Es2Client(smdp).download_order(iccid=iccid)
    Es2Call.objects.update(outcome=CallOutcome.PENDING)  # the worker died waiting for the answer

    download_order.delay(smdp.pk, iccid)

    assert wait_until(
        lambda: Es2Call.objects.count() == 2 and bool(Es2Call.objects.latest("pk").resolution)
    )
    assert sim.state(iccid) == "Allocated"
    assert "treated as success" in Es2Call.objects.latest("pk").resolution


def test_a_transport_failure_is_retried_by_the_worker_until_it_succeeds(celery_worker, sim):
    smdp = SmdpServerFactory(name="acme", base_url=sim.url)
    iccid = ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp)).iccid
    Es2Client(smdp).download_order(iccid=iccid)
    sim.fault(function="cancelOrder", action="http_error", status=503)

    cancel_order.delay(smdp.pk, iccid, "Available")

    def outcomes() -> list[str]:
        calls = Es2Call.objects.filter(function="cancelOrder").order_by("pk")
        return list(calls.values_list("outcome", flat=True))

    assert wait_until(lambda: outcomes() == [CallOutcome.UNKNOWN, CallOutcome.SUCCEEDED], 60)
    assert sim.state(iccid) == "Available"


@pytest.mark.django_db
def test_a_business_refusal_fails_the_task_without_a_retry(sim):
    smdp = SmdpServerFactory(name="acme", base_url=sim.url)

    outcome = cancel_order.apply(args=(smdp.pk, ProfileFactory().iccid, "Available"))

    assert outcome.state == "FAILURE"
    assert isinstance(outcome.result, Es2FunctionError)
    assert Es2Call.objects.count() == 1


@pytest.mark.django_db
def test_a_refusal_staff_marked_retryable_is_retried(sim):
    smdp = SmdpServerFactory(name="acme", base_url=sim.url)
    FailureRule.objects.update_or_create(
        subject_code="8.2.1", reason_code="3.5", defaults={"retryable": True}
    )

    cancel_order.apply(args=(smdp.pk, ProfileFactory().iccid, "Available"))

    assert Es2Call.objects.count() == 1 + cancel_order.max_retries


def test_the_sweep_re_enqueues_notifications_the_broker_never_delivered(celery_worker):
    smdp = SmdpServerFactory(name="acme")
    profile = ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp), state=ProfileState.RELEASED)
    Es2NotificationFactory(
        server=smdp,
        iccid=profile.iccid,
        received_at=timezone.now() - timedelta(minutes=10),
    )

    assert apply_pending_notifications() == 1
    assert wait_until(lambda: profile_state(profile) == ProfileState.DOWNLOADED)


def test_install_arriving_before_download_ends_installed_through_the_endpoint(
    celery_worker, client
):
    smdp = SmdpServerFactory(name="acme")
    profile = ProfileFactory(pool=ProfilePoolFactory(smdp_server=smdp), state=ProfileState.RELEASED)

    assert post(client, smdp, body(profile.iccid, 4)).status_code == 204
    assert wait_until(lambda: profile_state(profile) == ProfileState.INSTALLED)
    assert post(client, smdp, body(profile.iccid, 3)).status_code == 204

    assert wait_until(
        lambda: set(Es2Notification.objects.values_list("state", flat=True)) == {"applied", "stale"}
    )
    assert profile_state(profile) == ProfileState.INSTALLED
