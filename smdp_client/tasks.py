"""Celery tasks: thin wrappers over services; retry only what may succeed later.

Transport failures (``Es2TransportError``) are ``TransientError``: the base task retries them
with backoff. Business failures are retried only when the classification table says so.
The services are safe to run again after a redelivery (a worker killed mid-call): the call log
tells them that our earlier attempt may have acted. confirmOrder has no task here on purpose:
its matching ID is a secret and must not travel through the broker; the provisioning pipeline
calls ``services.es2_confirm_order`` and stores it encrypted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from django.utils import timezone
from django_redis import get_redis_connection

from coreesim.tasks import ResilientTask
from smdp_client import services
from smdp_client.choices import NotificationState
from smdp_client.errors import Es2FunctionError
from smdp_client.models import Es2Notification, SmdpServer
from smdp_client.notifications.apply import NotificationNotReady, notification_apply
from smdp_client.notifications.intake import DOORBELL_KEY, ring_doorbell

# NotificationNotReady backs off 2, 4, … 64 s; then the notification is flagged for staff.
NOT_READY_RETRIES = 6
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500
DRAIN_BATCH = 200
DRAIN_LIMIT = 1000


def _retry_if_retryable(task: Task, exc: Es2FunctionError) -> None:
    if exc.retryable:
        raise task.retry(exc=exc)
    raise exc


@shared_task(base=ResilientTask, bind=True, name="smdp_client.download_order")
def download_order(
    self: Task, server_id: int, iccid: str, eid: str | None = None, profile_type: str | None = None
) -> dict[str, Any]:
    server = SmdpServer.objects.get(pk=server_id)
    try:
        result = services.es2_download_order(
            server=server, iccid=iccid, eid=eid, profile_type=profile_type
        )
    except Es2FunctionError as exc:
        _retry_if_retryable(self, exc)
    return {"iccid": result.iccid}


@shared_task(base=ResilientTask, bind=True, name="smdp_client.cancel_order")
def cancel_order(self: Task, server_id: int, iccid: str, final_status: str) -> None:
    server = SmdpServer.objects.get(pk=server_id)
    try:
        services.es2_cancel_order(server=server, iccid=iccid, final_status=final_status)
    except Es2FunctionError as exc:
        _retry_if_retryable(self, exc)


@shared_task(base=ResilientTask, bind=True, name="smdp_client.release_profile")
def release_profile(self: Task, server_id: int, iccid: str) -> None:
    server = SmdpServer.objects.get(pk=server_id)
    try:
        services.es2_release_profile(server=server, iccid=iccid)
    except Es2FunctionError as exc:
        _retry_if_retryable(self, exc)


@shared_task(base=ResilientTask, bind=True, name="smdp_client.apply_notification")
def apply_notification(self: Task, notification_id: int) -> str:
    final = self.request.retries >= NOT_READY_RETRIES
    return notification_apply(notification_id=notification_id, final_attempt=final).value


@shared_task(base=ResilientTask, name="smdp_client.apply_received_notifications")
def apply_received_notifications() -> int:
    """Apply every stored notification not applied yet (rung by intake, see ``intake``)."""
    redis = get_redis_connection("default")
    waiting: set[int] = set()
    done = 0
    while done < DRAIN_LIMIT:
        redis.delete(DOORBELL_KEY)
        batch = list(
            Es2Notification.objects.filter(state=NotificationState.RECEIVED)
            .exclude(pk__in=waiting)
            .order_by("pk")
            .values_list("pk", flat=True)[:DRAIN_BATCH]
        )
        if not batch:
            return done
        for pk in batch:
            try:
                notification_apply(notification_id=pk)
            except NotificationNotReady:
                waiting.add(pk)
                if redis.set(f"{DOORBELL_KEY}:retry:{pk}", "1", nx=True, ex=300):
                    apply_notification.apply_async((pk,), countdown=2)
            done += 1
    ring_doorbell()
    return done


@shared_task(name="smdp_client.apply_pending_notifications", ignore_result=True)
def apply_pending_notifications() -> int:
    """Re-ring the doorbell for notifications stored while the broker was unreachable."""
    stale = timezone.now() - SWEEP_AFTER
    pending = list(
        Es2Notification.objects.filter(
            state=NotificationState.RECEIVED, received_at__lt=stale
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in pending:
        apply_notification.delay(pk)
    return len(pending)
