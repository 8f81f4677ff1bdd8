"""Staff users per role and clients that are logged in with a second factor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.core.cache import cache
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from coreesim.staff.choices import Role
from tests.factories.staff import verified_client

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Dashboard panels are cached for a minute; each test starts from fresh numbers."""
    cache.clear()


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def make_staff(db: None) -> Callable[..., AbstractUser]:
    """A staff user in the given roles (none = no role at all), with a confirmed TOTP device."""
    counter = iter(range(1, 10_000))

    def make(*roles: Role, superuser: bool = False, device: bool = True) -> AbstractUser:
        n = next(counter)
        user = get_user_model().objects.create_user(
            username=f"staff{n}", password=PASSWORD, is_staff=True, is_superuser=superuser
        )
        for role in roles:
            user.groups.add(Group.objects.get(name=role.value))
        if device:
            TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        return user

    return make


@pytest.fixture
def client_for() -> Callable[[AbstractUser], Client]:
    return verified_client


@pytest.fixture
def admin_client_2fa(make_staff: Callable[..., AbstractUser]) -> Client:
    return verified_client(make_staff(Role.ADMINISTRATOR))
