"""Domain events of the orders app, sent inside the transaction that caused them.

Webhooks, traveler emails and staff pages subscribe here; the services never call them directly
(DESIGN.md: news travels to higher layers through one small event mechanism). A receiver
writes its rows (a webhook delivery, a traveler email) in the event's own transaction, so the
event and what it owes partners and travelers commit together or not at all; whatever leaves
the database (a task on the broker, an email) the receiver defers with ``on_commit``.

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


def announce(signal: Signal, **kwargs: Any) -> None:
    """Send ``signal`` now, inside the caller's transaction.

    Not ``send_robust``: a receiver that fails rolls the event back with it, which is the
    point (an event never commits without the deliveries it owes). Outside a transaction there
    is nothing to share, so calling it there is a programming error.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"announce({signal!r}) must run inside the event's transaction")
    signal.send(sender=None, **kwargs)
