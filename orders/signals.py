"""Domain events of the orders app, sent after the transaction that caused them commits.

Webhooks, traveler emails and staff pages subscribe here; the services never call them directly
(DESIGN.md: news travels to higher layers through one small event mechanism).

- ``esim_released``: the activation code is ready. ``esim``.
- ``esim_failed``: the eSIM could not be provisioned. ``esim``.
- ``order_settled``: the order reached completed / partially_completed / failed. ``order``.
- ``esim_changed``: a lifecycle action (suspend, resume, cancel, reissue, retire, expire,
  top-up) changed the eSIM. ``esim``, ``action``.
- ``usage_threshold_reached``: a data or expiry threshold was crossed, once. ``esim``, ``kind``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

esim_released = Signal()
esim_failed = Signal()
order_settled = Signal()
esim_changed = Signal()
usage_threshold_reached = Signal()


def send_on_commit(signal: Signal, **kwargs: Any) -> None:
    """Send ``signal`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: signal.send_robust(sender=None, **kwargs), robust=True)
