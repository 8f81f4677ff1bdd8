"""Domain events the profiles app announces; higher apps (orders, webhooks) subscribe.

``profile_event_recorded`` is sent after the transaction that wrote the ``ProfileEvent``
commits, with ``sender=ProfileEvent`` and ``event=<the ProfileEvent>``. Receivers run in the
committing process; one that fails is logged and does not stop the others.
"""

from django.dispatch import Signal

profile_event_recorded = Signal()
