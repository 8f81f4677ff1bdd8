from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

# Publicly known, like the demo password: refused when DEBUG is off.
DEMO_TOTP_KEY_HEX = "436f72654553494d2064656d6f20544f5450206b"


class Command(BaseCommand):
    help = (
        "Development only: give the demo staff user an authenticator with a known key, so the "
        "demo login works without enrolling a phone; --code prints the current 6-digit code."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=settings.DEMO_ADMIN_USERNAME)
        parser.add_argument("--code", action="store_true", help="only print the current code")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("refused: the demo authenticator key is public (DEBUG is off)")
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}; run demo_data first")
        device, _ = TOTPDevice.objects.update_or_create(
            user=user,
            name="Demo authenticator",
            defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True},
        )
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        if options["code"]:
            self.stdout.write(code)
            return
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        self.stdout.write(
            f"demo 2FA: {user.get_username()} has an authenticator with key {secret} "
            f"(current code {code}; `python manage.py staff_demo_otp --code` prints the next)"
        )
