"""Every write of the staff shell: audit entries and staff second factors.

``audit_record`` is the one call other apps' staff pages make next to the service they run, in
the same transaction, so an action and its audit row commit or roll back together.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.sessions.models import Session
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coreesim.client_address import client_address
from coreesim.logging import redact_value
from coreesim.staff.choices import AuthAction
from coreesim.staff.models import AuditLog

logger = logging.getLogger(__name__)

TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10


class ReasonRequired(ValueError):
    """A staff action that changes a customer's service needs a written reason."""


def _jsonable(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    # Round-trip through JSON so Decimals, dates and UUIDs are stored as their text, and
    # secrets (by field name or by shape) never reach the table.
    plain = json.loads(json.dumps(dict(value), cls=DjangoJSONEncoder, default=str))
    return {k: redact_value(k, v) for k, v in plain.items()}


@transaction.atomic
def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    reason_required: bool = False,
) -> AuditLog:
    """Append one audit entry for a staff write.

    Pass ``request`` from a view (the actor and IP come from it) or ``actor`` from a command.
    ``target`` fills the object columns from a model instance; ``object_type``/``object_id``
    name a target that is not (or no longer) a row. ``before``/``after`` are small dicts of
    the fields the action changed; secrets in them are redacted. With ``reason_required`` an
    empty reason raises ``ReasonRequired`` (and, inside the caller's transaction, undoes the
    action with it).
    """
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise ReasonRequired("a reason is required for this action")
    candidate = actor if actor is not None else getattr(request, "user", None)
    user = candidate if isinstance(candidate, User) else None
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or target.pk
        object_repr = object_repr or str(target)
    entry = AuditLog.objects.create(
        actor=user,
        actor_username=user.get_username() if user is not None else "",
        ip_address=(client_address(request) or None) if request is not None else None,
        user_agent=(request.headers.get("user-agent", "") if request is not None else "")[:255],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:255],
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
    )
    logger.info(
        "staff_audit",
        extra={
            "action": action,
            "actor": entry.actor_username,
            "object": f"{object_type}:{object_id}",
            "audit_id": entry.pk,
        },
    )
    return entry


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator device being enrolled (made once, reused on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(
    *, device: TOTPDevice, token: str, request: HttpRequest | None = None
) -> bool:
    """Confirm an enrolment with the first code the app shows; False when the code is wrong.

    Other devices of the user are removed: one authenticator app at a time.
    """
    if device.confirmed or not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        action=AuthAction.OTP_ENROLLED,
        request=request,
        actor=device.user,
        target=None,
        object_type="auth.user",
        object_id=device.user.pk,
        object_repr=device.user.get_username(),
    )
    return True


@transaction.atomic
def recovery_codes_create(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Replace the user's recovery codes with fresh single-use ones and return them.

    They are shown once; the database keeps them only to check them (django-otp's static
    device), and each works once.
    """
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    audit_record(
        action=AuthAction.RECOVERY_CODES_CREATED,
        request=request,
        actor=user,
        object_type="auth.user",
        object_id=user.pk,
        object_repr=user.get_username(),
    )
    return codes


def _sessions_end(*, user: User, keep: str | None) -> None:
    """Delete every live session of ``user`` but ``keep``. Sessions are stored signed, not
    indexed by user, so each live one is decoded; the staff site's are the only ones."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk) and session.pk != keep
    ]
    Session.objects.filter(pk__in=ended).delete()


@transaction.atomic
def second_factor_reset(*, user: User, request: HttpRequest, reason: str) -> None:
    """Remove a staff user's authenticator and recovery codes (lost phone): they enrol again
    at their next login, with their password alone.

    Their sessions end too: one taken over by whoever has the phone (or the password) could
    otherwise enrol a new authenticator right after the reset. The administrator's own
    session is kept when they reset themselves; it needs the second factor again.
    """
    removed = TOTPDevice.objects.filter(user=user).count()
    audit_record(
        action=AuthAction.OTP_RESET,
        request=request,
        object_type="auth.user",
        object_id=user.pk,
        object_repr=user.get_username(),
        before={"totp_devices": removed},
        after={"totp_devices": 0},
        reason=reason,
        reason_required=True,
    )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _sessions_end(user=user, keep=request.session.session_key)
