"""What the orders app does when the profiles app records a profile event.

The first installation on a device starts the eSIM's validity clock (travel plans count their
days from installation, not from purchase) and tells the eSIM which device (EID) took it.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from orders.models import Esim
from orders.services import esim_activate
from profiles.choices import ProfileState
from profiles.signals import profile_event_recorded


@receiver(profile_event_recorded, dispatch_uid="orders.activate_on_install")
def activate_on_install(sender: Any, event: Any, **kwargs: Any) -> None:
    if event.to_state != ProfileState.INSTALLED:
        return
    esim = Esim.objects.filter(profile_id=event.profile_id, activated_at__isnull=True).first()
    if esim is not None:
        esim_activate(esim=esim, at=event.created_at, eid=event.profile.eid)
