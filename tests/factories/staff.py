"""Staff sessions as the staff site requires them: logged in, second factor passed."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def verified_client(user: AbstractUser) -> Client:
    """A client whose session passed the password and the user's confirmed TOTP device."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    assert device is not None, "the user needs a confirmed device"
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
