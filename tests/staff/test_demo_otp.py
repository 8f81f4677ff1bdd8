"""The demo staff user's known authenticator key (development only)."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.staff.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_admin_logs_in_with_the_printed_code(settings):
    settings.DEBUG = True
    get_user_model().objects.create_user(
        username=settings.DEMO_ADMIN_USERNAME, password=PASSWORD, is_staff=True, is_superuser=True
    )
    out = io.StringIO()
    call_command("staff_demo_otp", stdout=out)
    assert "demo 2FA" in out.getvalue()
    code = re.search(r"current code (\d{6})", out.getvalue()).group(1)
    client = Client()
    client.post("/staff/login/", {"username": settings.DEMO_ADMIN_USERNAME, "password": PASSWORD})
    assert client.post("/staff/verify/", {"token": code})["Location"] == "/staff/"
    assert TOTPDevice.objects.filter(confirmed=True).count() == 1


def test_the_demo_key_is_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("staff_demo_otp")
