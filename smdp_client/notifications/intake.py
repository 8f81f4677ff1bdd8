"""Store a notification durably before we acknowledge it, then ring the worker's doorbell.

The row is the truth: if the broker is down when we ring, the periodic sweep
(``apply_pending_notifications``) picks the row up later. A duplicate (same server and
functionCallIdentifier) is acknowledged and not stored again.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django_redis import get_redis_connection

from smdp_client.models import Es2Notification
from smdp_client.notifications.parsing import ParsedNotification

logger = logging.getLogger(__name__)

DOORBELL_KEY = "coreesim:es2:notification-doorbell"
DOORBELL_MS = 5000


def ring_doorbell() -> None:
    """Make sure a drain task will look at what is stored now; cheap when one is pending.

    One Redis SET NX per notification instead of one Celery message: under a burst only the
    first notification enqueues ``apply_received_notifications``; the drain deletes the key
    before each scan, so a notification whose ring found the key set is seen by that scan.
    """
    from smdp_client.tasks import apply_received_notifications

    try:
        if get_redis_connection("default").set(DOORBELL_KEY, "1", nx=True, px=DOORBELL_MS):
            apply_received_notifications.delay()
    except Exception as exc:  # the broker is only the doorbell; the sweep catches up
        logger.warning("es2_notification_enqueue_failed", extra={"error": str(exc)})


def _insert(notification: Es2Notification) -> int | None:
    """One INSERT … ON CONFLICT DO NOTHING: the new id, or None for a duplicate.

    A single statement (no savepoint, no exception on duplicates) keeps intake to one database
    round trip per notification.
    """
    meta = Es2Notification._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    values = [
        field.get_db_prep_save(getattr(notification, field.attname), connection) for field in fields
    ]
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({placeholders}) "
            "ON CONFLICT (server_id, function_call_identifier) DO NOTHING RETURNING id",
            values,
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def notification_store(
    *, server_id: int, parsed: ParsedNotification, remote_addr: str | None
) -> Es2Notification | None:
    """The stored notification, or None when it is a duplicate we already hold."""
    notification = Es2Notification(
        server_id=server_id,
        function_call_identifier=parsed.call_id,
        requester_identifier=parsed.requester_id,
        iccid=parsed.iccid,
        profile_type=parsed.profile_type,
        notification_point_id=parsed.point,
        point_status=parsed.point_status,
        status_code_data=parsed.status_code_data,
        eid=parsed.eid,
        result_data=parsed.result_data,
        timestamp=parsed.timestamp,
        payload=parsed.payload,
        remote_addr=remote_addr or None,
    )
    notification.pk = _insert(notification)
    if notification.pk is None:
        logger.info(
            "es2_notification_duplicate",
            extra={"server": server_id, "call": parsed.call_id, "iccid": parsed.iccid},
        )
        return None
    transaction.on_commit(ring_doorbell)
    logger.info(
        "es2_notification_received",
        extra={
            "server": server_id,
            "call": parsed.call_id,
            "iccid": parsed.iccid,
            "point": parsed.point,
            "status": parsed.point_status,
        },
    )
    return notification
