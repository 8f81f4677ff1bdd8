"""Every write in the partners app: partners, plan access, prices, API keys and the ledger."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from partners.choices import API_KEY_PREFIX, ApiScope, LedgerKind, PartnerStatus
from partners.models import ApiKey, LedgerEntry, Partner, PriceOverride
from partners.selectors import partner_balance, partner_has_ledger
from partners.webhooks.services import webhook_balance_low_check
from profiles.models import Plan

logger = logging.getLogger(__name__)

__all__ = [
    "SELL_PLAN",
    "InsufficientBalance",
    "PriceUnavailable",
    "api_key_authenticate",
    "api_key_create",
    "api_key_hash",
    "api_key_revoke",
    "ledger_credit",
    "ledger_debit",
    "partner_balance",
    "partner_can_sell",
    "partner_create",
    "partner_group",
    "partner_set_status",
    "partner_update",
    "plan_access_grant",
    "plan_access_revoke",
    "plan_price_for",
    "price_override_set",
]

SELL_PLAN = "profiles.sell_plan"
LAST_USED_RESOLUTION = timedelta(minutes=1)
CENT = Decimal("0.01")
# The prefixes api_key_create issues (token_hex(6)); any other text, a NUL byte say, is no key
# of ours and is refused before it reaches the database.
KEY_PREFIX_SHAPE = re.compile(r"[0-9a-f]{12}")


class InsufficientBalance(Exception):
    """A debit would take the balance below the partner's credit limit; nothing was written."""

    def __init__(self, *, partner: Partner, amount: Decimal, available: Decimal) -> None:
        self.partner = partner
        self.amount = amount
        self.available = available
        super().__init__(
            f"partner '{partner.slug}' cannot be charged {amount} {partner.currency}: "
            f"only {available} {partner.currency} is available (balance plus credit limit)"
        )


class PriceUnavailable(Exception):
    """The plan has no price in the partner's currency (no override, other default currency)."""


# ---------------------------------------------------------------------------------------------
# Partners and plan access


def _group_name(slug: str) -> str:
    return f"partner:{slug}"


@transaction.atomic
def partner_create(
    *,
    name: str,
    slug: str,
    currency: str = "USD",
    credit_limit: Decimal = Decimal("0"),
    parent: Partner | None = None,
    display_name: str = "",
) -> Partner:
    """Create a partner and the auth group that holds its plan permissions."""
    partner = Partner(
        name=name,
        slug=slug,
        currency=currency.upper(),
        credit_limit=credit_limit,
        parent=parent,
        display_name=display_name,
    )
    partner.full_clean()
    partner.group = Group.objects.create(name=_group_name(slug))
    partner.save()
    logger.info("partner_created", extra={"partner": slug})
    return partner


def partner_group(*, partner: Partner) -> Group:
    """The partner's guardian group, created on first use for partners made without one."""
    if partner.group_id is None:
        with transaction.atomic():
            locked = Partner.objects.select_for_update().get(pk=partner.pk)
            if locked.group_id is None:
                locked.group, _ = Group.objects.get_or_create(name=_group_name(locked.slug))
                locked.save(update_fields=["group"])
            partner.group = locked.group
    assert partner.group is not None
    return partner.group


# What staff may change on a partner after creation; the slug (API and group name) and the
# parent stay as created.
PARTNER_PROFILE_FIELDS = (
    "name",
    "display_name",
    "support_email",
    "support_url",
    "support_phone",
    "logo_url",
    "brand_colour",
)
PARTNER_FINANCE_FIELDS = ("credit_limit", "currency")


class PartnerEditRefused(ValueError):
    """The change is not allowed (unknown field, or a currency with money already booked)."""


@transaction.atomic
def partner_update(*, partner: Partner, **changes: Any) -> dict[str, tuple[Any, Any]]:
    """Change a partner's profile or credit terms; returns ``{field: (before, after)}``.

    The currency is fixed once anything was booked on the ledger: the balance is a sum of
    amounts in that currency, and converting it is a finance decision, not an edit. Values are
    checked by the model's validators; a refusal raises and writes nothing.
    """
    unknown = set(changes) - set(PARTNER_PROFILE_FIELDS) - set(PARTNER_FINANCE_FIELDS)
    if unknown:
        raise PartnerEditRefused(f"cannot change {', '.join(sorted(unknown))} of a partner")
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if "currency" in changes:
        changes["currency"] = str(changes["currency"]).upper()
    diff = {
        name: (getattr(locked, name), value)
        for name, value in changes.items()
        if getattr(locked, name) != value
    }
    if "currency" in diff and partner_has_ledger(partner=locked):
        raise PartnerEditRefused(
            f"the currency stays {locked.currency}: the partner's ledger already has entries"
        )
    if not diff:
        return {}
    for name, (_before, after) in diff.items():
        setattr(locked, name, after)
    locked.full_clean(exclude=["group", "parent"])
    locked.save(update_fields=[*diff, "updated_at"])
    for name in diff:
        setattr(partner, name, getattr(locked, name))
    logger.info("partner_updated", extra={"partner": locked.slug, "fields": sorted(diff)})
    return diff


@transaction.atomic
def partner_set_status(*, partner: Partner, status: PartnerStatus | str) -> Partner:
    partner.status = PartnerStatus(status)
    partner.save(update_fields=["status", "updated_at"])
    logger.info("partner_status_set", extra={"partner": partner.slug, "status": partner.status})
    return partner


@transaction.atomic
def plan_access_grant(*, partner: Partner, plans: Iterable[Plan]) -> None:
    """Let ``partner`` sell each of ``plans`` (the ``sell_plan`` object permission)."""
    group = partner_group(partner=partner)
    for plan in plans:
        assign_perm(SELL_PLAN, group, plan)


@transaction.atomic
def plan_access_revoke(*, partner: Partner, plans: Iterable[Plan]) -> None:
    group = partner_group(partner=partner)
    for plan in plans:
        remove_perm(SELL_PLAN, group, plan)


def partner_can_sell(*, partner: Partner, plan: Plan) -> bool:
    """True when the partner is active, the plan active, and ``sell_plan`` is granted."""
    if not partner.is_active or not plan.is_active or partner.group_id is None:
        return False
    from guardian.models import GroupObjectPermission

    return GroupObjectPermission.objects.filter(
        group_id=partner.group_id,
        permission__codename="sell_plan",
        permission__content_type__app_label="profiles",
        content_type__app_label="profiles",
        content_type__model="plan",
        object_pk=str(plan.pk),
    ).exists()


@transaction.atomic
def price_override_set(*, partner: Partner, plan: Plan, price: Decimal) -> PriceOverride:
    override, _ = PriceOverride.objects.update_or_create(
        partner=partner, plan=plan, defaults={"price": price.quantize(CENT)}
    )
    return override


def plan_price_for(*, partner: Partner, plan: Plan) -> Decimal:
    """What ``partner`` pays for one ``plan``, in the partner's currency.

    A price override wins; otherwise the plan's default retail price when it is in the
    partner's currency. A plan priced in another currency without an override raises
    ``PriceUnavailable`` rather than charging a number in the wrong money.
    """
    override = PriceOverride.objects.filter(partner=partner, plan=plan).first()
    if override is not None:
        return override.price
    if plan.currency != partner.currency:
        raise PriceUnavailable(
            f"plan '{plan.code}' is priced in {plan.currency} and partner '{partner.slug}' "
            f"pays in {partner.currency}: set a price override"
        )
    return plan.retail_price


# ---------------------------------------------------------------------------------------------
# API keys


def api_key_hash(secret: str) -> str:
    """HMAC-SHA256 of the secret under ``API_KEY_HASH_KEY``: a leaked table is not a key."""
    return hmac.new(settings.API_KEY_HASH_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    partner: Partner,
    scopes: Iterable[ApiScope | str] = (ApiScope.READ, ApiScope.WRITE),
    expires_at: datetime | None = None,
    name: str = "",
) -> tuple[ApiKey, str]:
    """A new key for ``partner`` and its plaintext ``cesk_<prefix>.<secret>``, shown once."""
    scope_values = sorted({ApiScope(s).value for s in scopes})
    if not scope_values:
        raise ValueError("an API key needs at least one scope")
    secret = secrets.token_urlsafe(32)
    while True:
        prefix = secrets.token_hex(6)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    key = ApiKey.objects.create(
        partner=partner,
        name=name,
        prefix=prefix,
        hashed_secret=api_key_hash(secret),
        scopes=scope_values,
        expires_at=expires_at,
    )
    logger.info("api_key_created", extra={"partner": partner.slug, "prefix": prefix})
    return key, f"{API_KEY_PREFIX}{prefix}.{secret}"


def api_key_verify(*, presented: str) -> ApiKey | None:
    """The key ``presented`` names when its secret matches, usable or not; else ``None``.

    Every refusal looks the same to the caller (no hint whether the prefix exists); the
    comparison is constant-time.
    """
    text = (presented or "").strip()
    if not text.startswith(API_KEY_PREFIX):
        return None
    prefix, sep, secret = text[len(API_KEY_PREFIX) :].partition(".")
    if not sep or not KEY_PREFIX_SHAPE.fullmatch(prefix) or not secret:
        return None
    key = ApiKey.objects.select_related("partner").filter(prefix=prefix).first()
    expected = key.hashed_secret if key else api_key_hash("no-such-key")
    if not hmac.compare_digest(expected, api_key_hash(secret)) or key is None:
        return None
    return key


def api_key_record_use(*, key: ApiKey, ip: str | None) -> None:
    """Note when and from where ``key`` was used, to the minute: a read-heavy partner does
    not turn every API read into a write."""
    now = timezone.now()
    ip = ip or None
    stale = key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION
    if stale or key.last_used_ip != ip:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=ip)
        key.last_used_at, key.last_used_ip = now, ip


def api_key_authenticate(*, presented: str, ip: str | None) -> ApiKey | None:
    """The live key ``presented`` names, or ``None``; records its use.

    A revoked or expired key, or one of a suspended partner, is refused.
    """
    key = api_key_verify(presented=presented)
    if key is None or not key.is_usable() or not key.partner.is_active:
        return None
    api_key_record_use(key=key, ip=ip)
    return key


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        logger.info("api_key_revoked", extra={"partner_id": key.partner_id, "prefix": key.prefix})
    return key


# ---------------------------------------------------------------------------------------------
# Balance ledger


def _existing(*, partner: Partner, kind: LedgerKind, reference: str) -> LedgerEntry | None:
    if not reference:
        return None
    return LedgerEntry.objects.filter(partner=partner, kind=kind, reference=reference).first()


def _insert(
    *, partner: Partner, kind: LedgerKind, amount: Decimal, reference: str, memo: str, actor: str
) -> LedgerEntry:
    """Write one entry. The caller holds the partner's row lock and found no entry with this
    reference, so no other transaction can post it meanwhile (no savepoint needed)."""
    entry = LedgerEntry.objects.create(
        partner=partner,
        kind=kind,
        amount=amount,
        currency=partner.currency,
        reference=reference,
        memo=memo,
        actor=actor,
    )
    logger.info(
        "ledger_entry_posted",
        extra={"partner": partner.slug, "kind": kind, "amount": str(amount), "ref": reference},
    )
    return entry


def _not_negative(amount: Decimal) -> Decimal:
    """The amount to the cent; a sign is the entry kind's business, so a negative is a bug."""
    value = Decimal(amount).quantize(CENT)
    if value < 0:
        raise ValueError(f"a ledger amount must not be negative, got {amount}")
    return value


@transaction.atomic
def ledger_debit(
    *,
    partner: Partner,
    amount: Decimal,
    kind: LedgerKind | str = LedgerKind.ORDER_DEBIT,
    reference: str,
    memo: str = "",
    actor: str = "",
) -> LedgerEntry | None:
    """Take ``amount`` from the balance, or raise ``InsufficientBalance`` and write nothing.

    The partner row is locked (``SELECT … FOR UPDATE``) before the balance is read, so two
    debits racing can never both pass the check. A repeated ``reference`` returns the first
    entry instead of charging twice. A zero amount (a free plan) moves nothing, so nothing is
    posted and ``None`` comes back: an entry of 0 would only clutter the statement.
    """
    value = _not_negative(amount)
    kind = LedgerKind(kind)
    if kind not in (LedgerKind.ORDER_DEBIT, LedgerKind.ADJUSTMENT):
        raise ValueError(f"'{kind}' is not a debit")
    if not value:
        return None
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    existing = _existing(partner=locked, kind=kind, reference=reference)
    if existing is not None:
        return existing
    available = partner_balance(partner=locked) + locked.credit_limit
    if value > available:
        raise InsufficientBalance(partner=locked, amount=value, available=available)
    entry = _insert(
        partner=locked, kind=kind, amount=-value, reference=reference, memo=memo, actor=actor
    )
    webhook_balance_low_check(partner=locked, available=available - value)
    return entry


@transaction.atomic
def ledger_credit(
    *,
    partner: Partner,
    amount: Decimal,
    kind: LedgerKind | str = LedgerKind.REFUND,
    reference: str = "",
    memo: str = "",
    actor: str = "",
) -> LedgerEntry | None:
    """Add ``amount`` to the balance (top-up, refund, or a positive adjustment).

    A zero amount (the refund of a free plan) posts nothing and returns ``None``.
    """
    value = _not_negative(amount)
    kind = LedgerKind(kind)
    if kind not in (LedgerKind.TOPUP, LedgerKind.REFUND, LedgerKind.ADJUSTMENT):
        raise ValueError(f"'{kind}' is not a credit")
    if not value:
        return None
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    existing = _existing(partner=locked, kind=kind, reference=reference)
    if existing is not None:
        return existing
    return _insert(
        partner=locked, kind=kind, amount=value, reference=reference, memo=memo, actor=actor
    )
