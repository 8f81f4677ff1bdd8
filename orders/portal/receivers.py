"""Traveler emails triggered by the orders app's domain events (``orders.signals``).

The events are sent inside the causing transaction, so the email's outbox row commits with the
event (the worker is rung after commit); a failure here rolls the event back with it and is
logged with the eSIM id.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from orders.choices import UsageEventKind
from orders.models import Esim
from orders.portal import services
from orders.portal.choices import EmailKind
from orders.signals import esim_released, usage_threshold_reached

logger = logging.getLogger(__name__)

EMAIL_FOR_THRESHOLD = {
    UsageEventKind.DATA_80: EmailKind.DATA_80,
    UsageEventKind.EXPIRES_1D: EmailKind.EXPIRES_1D,
}


def _queue(esim: Esim, kind: EmailKind, occasion: str) -> None:
    try:
        services.traveler_email_queue(esim=esim, kind=kind, occasion=occasion)
    except Exception:
        logger.exception("portal_email_queue_failed", extra={"esim": esim.pk, "kind": kind})
        raise


@receiver(esim_released, dispatch_uid="portal_esim_ready_email")
def on_esim_released(sender: Any, *, esim: Esim, **kwargs: Any) -> None:
    # A reissued eSIM is released again on a new profile: its new code is a new occasion.
    _queue(esim, EmailKind.ESIM_READY, occasion=esim.iccid)


@receiver(usage_threshold_reached, dispatch_uid="portal_threshold_email")
def on_usage_threshold(sender: Any, *, esim: Esim, kind: str, **kwargs: Any) -> None:
    email_kind = EMAIL_FOR_THRESHOLD.get(UsageEventKind(kind))
    if email_kind is not None:
        # Thresholds fire once per allowance period; a top-up starts the next one.
        _queue(esim, email_kind, occasion=f"period-{esim.allowance_period}")
