"""Domain events the profiles app announces; higher apps (orders, webhooks) subscribe.

``profile_event_recorded`` is sent inside the transaction that writes the ``ProfileEvent``,
with ``sender=ProfileEvent`` and ``event=<the ProfileEvent>``. Receivers write what they owe
(the partner's webhook delivery, the eSIM's activation) in that same transaction, and defer
anything that leaves the database with ``on_commit``; a receiver that fails rolls the event
back, so an event is never recorded without its consequences.
"""

from django.dispatch import Signal

profile_event_recorded = Signal()
