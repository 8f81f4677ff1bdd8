"""Store a notification durably before we acknowledge it, then ring the worker's doorbell.

The row is the truth: if the broker is down when we enqueue, the periodic sweep
(``apply_pending_notifications``) picks the row up later. A duplicate (same server and
functionCallIdentifier) is acknowledged and not stored again.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from smdp_client.models import Es2Notification
from smdp_client.notifications.parsing import ParsedNotification

logger = logging.getLogger(__name__)


def _enqueue(notification_id: int) -> None:
    from smdp_client.tasks import apply_notification

    try:
        apply_notification.delay(notification_id)
    except Exception as exc:  # the broker is only the doorbell; the sweep catches up
        logger.warning(
            "es2_notification_enqueue_failed",
            extra={"notification": notification_id, "error": str(exc)},
        )


def notification_store(
    *, server_id: int, parsed: ParsedNotification, remote_addr: str | None
) -> Es2Notification | None:
    """The stored notification, or None when it is a duplicate we already hold."""
    try:
        with transaction.atomic():
            notification = Es2Notification.objects.create(
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
            transaction.on_commit(lambda: _enqueue(notification.pk))
    except IntegrityError:
        logger.info(
            "es2_notification_duplicate",
            extra={"server": server_id, "call": parsed.call_id, "iccid": parsed.iccid},
        )
        return None
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
