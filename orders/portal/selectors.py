"""Reads for the eSIM page and the traveler emails.

``esim_facts`` is the one place that knows how orders, profiles and partners store what the
traveler sees; everything after it works on plain dataclasses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from coreesim.secrets import reveal
from orders.portal.branding import Brand
from orders.portal.choices import EmailKind, Platform, TravelerState
from orders.portal.content import INSTALLABLE, Guide, install_guides, state_help, traveler_state
from orders.portal.emails import EmailContent
from orders.portal.facts import ESIM_RELATED, EsimFacts, esim_facts
from orders.portal.models import EsimAccessToken, TravelerEmail
from orders.portal.tokens import token_digest, token_well_formed
from orders.portal.useragent import platform_from_user_agent
from orders.qr import qr_png


def data_label(megabytes: float) -> str:
    """``512 MB`` / ``1.5 GB`` in the active language's number format."""
    if megabytes >= 1000:
        gb = megabytes / 1000
        places = 0 if float(gb).is_integer() else 1
        return _("%(n)s GB") % {"n": number_format(round(gb, 1), decimal_pos=places)}
    return _("%(n)s MB") % {"n": number_format(round(megabytes), decimal_pos=0)}


@dataclass(frozen=True)
class Usage:
    used_mb: float
    total_mb: int | None

    @property
    def percent(self) -> int:
        if not self.total_mb:
            return 0
        return min(100, math.floor(100 * self.used_mb / self.total_mb))

    @property
    def used_label(self) -> str:
        return data_label(self.used_mb)

    @property
    def total_label(self) -> str:
        return data_label(self.total_mb or 0)

    @property
    def left_label(self) -> str:
        return data_label(max(0.0, (self.total_mb or 0) - self.used_mb))


@dataclass(frozen=True)
class InstallDetails:
    activation_code: str
    smdp_address: str
    matching_id: str
    confirmation_required: bool
    confirmation_code: str | None
    qr_svg: SafeString


@dataclass(frozen=True)
class EsimPage:
    access_id: int
    brand: Brand
    plan_name: str
    coverage_name: str
    countries: list[str]
    data_mb: int | None
    validity_days: int
    expires_at: datetime | None
    state: TravelerState
    usage: Usage | None
    days_left: int | None
    install: InstallDetails | None
    one_tap_url: str | None
    guides: list[Guide]

    @property
    def state_label(self) -> str:
        return str(self.state.label)

    @property
    def state_help(self) -> str:
        return state_help(self.state)

    @property
    def data_label(self) -> str:
        return data_label(self.data_mb or 0)


def access_get_by_token(token: str) -> EsimAccessToken | None:
    if not token_well_formed(token):
        return None
    return (
        EsimAccessToken.objects.filter(token_digest=token_digest(token))
        .select_related(*(f"esim__{path}" for path in ESIM_RELATED))
        .first()
    )


def page_url(access: EsimAccessToken) -> str:
    """The absolute link emailed to the traveler."""
    path = reverse("portal:esim", kwargs={"token": reveal(access.token)})
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _days_left(expires_at: datetime | None) -> int | None:
    if expires_at is None:
        return None
    seconds = (expires_at - timezone.now()).total_seconds()
    return max(0, math.ceil(seconds / 86400))


def _install_details(facts: EsimFacts) -> InstallDetails | None:
    if not facts.activation_code:
        return None
    return InstallDetails(
        activation_code=facts.activation_code,
        smdp_address=facts.smdp_address,
        matching_id=facts.matching_id,
        confirmation_required=facts.confirmation_required,
        confirmation_code=facts.confirmation_code,
        # Drawn by orders.qr from the QR matrix, with its title escaped: markup we made.
        qr_svg=mark_safe(facts.qr_svg()),  # noqa: S308
    )


def page_build(*, access: EsimAccessToken, facts: EsimFacts, platform: Platform) -> EsimPage:
    state = traveler_state(profile_state=facts.profile_state, expired=facts.expired)
    install = _install_details(facts) if state in INSTALLABLE else None
    one_tap = None
    if install and platform == Platform.IOS_ONE_TAP:
        one_tap = facts.ios_link
    elif install and platform == Platform.ANDROID:
        one_tap = facts.android_link
    usage = None
    if facts.used_mb is not None:
        usage = Usage(used_mb=facts.used_mb, total_mb=facts.data_mb)
    return EsimPage(
        access_id=access.pk,
        brand=facts.brand,
        plan_name=facts.plan_name,
        coverage_name=facts.coverage_name,
        countries=facts.countries,
        data_mb=facts.data_mb,
        validity_days=facts.validity_days,
        expires_at=facts.expires_at,
        state=state,
        usage=usage,
        days_left=_days_left(facts.expires_at) if state != TravelerState.EXPIRED else None,
        install=install,
        one_tap_url=one_tap,
        guides=install_guides(platform),
    )


def esim_page_get(*, token: str, user_agent: str) -> EsimPage | None:
    """The page for ``token``, or ``None`` for an unknown, malformed or rotated token."""
    access = access_get_by_token(token)
    if access is None:
        return None
    facts = esim_facts(access.esim)
    return page_build(access=access, facts=facts, platform=platform_from_user_agent(user_agent))


def email_content(email: TravelerEmail) -> EmailContent:
    """What one outbox email shows, read fresh at send time (a reissued code is the new one)."""
    access = EsimAccessToken.objects.select_related(
        *(f"esim__{path}" for path in ESIM_RELATED)
    ).get(esim_id=email.esim_id)
    facts = esim_facts(access.esim)
    with_code = email.kind in (EmailKind.ESIM_READY, EmailKind.PAGE_LINK) and (
        traveler_state(profile_state=facts.profile_state, expired=facts.expired) in INSTALLABLE
    )
    code = facts.activation_code if with_code else None
    with translation.override(email.language):
        used = Usage(used_mb=facts.used_mb or 0.0, total_mb=facts.data_mb)
        used_label, total_label = used.used_label, used.total_label if facts.data_mb else None
    return EmailContent(
        kind=EmailKind(email.kind),
        language=email.language,
        to=email.recipient,
        brand=facts.brand,
        plan_name=facts.plan_name,
        page_url=page_url(access),
        activation_code=code,
        smdp_address=facts.smdp_address if code else None,
        matching_id=facts.matching_id if code else None,
        confirmation_required=facts.confirmation_required,
        ios_link=facts.ios_link if code else None,
        android_link=facts.android_link if code else None,
        qr_png=qr_png(code) if code else None,
        used_label=used_label,
        total_label=total_label,
        percent=used.percent,
        expires_at=facts.expires_at,
        reissued=email.kind == EmailKind.ESIM_READY
        and TravelerEmail.objects.filter(esim_id=email.esim_id, kind=EmailKind.ESIM_READY)
        .exclude(pk=email.pk)
        .exists(),
    )
