"""What the traveler sees about one eSIM, read from orders, profiles and partners.

The one module that knows where each fact lives in the other apps' models; everything in the
portal after it works on ``EsimFacts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coreesim.secrets import reveal
from orders.activation import (
    InvalidActivationCode,
    activation_code_parse,
    android_install_link,
    ios_install_link,
)
from orders.choices import EsimStatus
from orders.models import Esim
from orders.portal.branding import Brand, brand_build
from orders.qr import qr_svg
from partners.models import Partner
from profiles.choices import ProfileState
from profiles.models import Plan

__all__ = ["ESIM_RELATED", "Esim", "EsimFacts", "esim_facts", "esims_for_traveler"]

# Joined in one query with the page access row.
ESIM_RELATED = ("order__partner", "order__plan__country", "order__plan__region", "profile")


@dataclass(frozen=True)
class EsimFacts:
    brand: Brand
    plan_name: str
    coverage_name: str
    countries: list[str]
    data_mb: int | None
    validity_days: int
    expires_at: datetime | None
    profile_state: str
    expired: bool
    used_mb: float | None
    activation_code: str | None
    smdp_address: str
    matching_id: str
    confirmation_required: bool
    confirmation_code: str | None

    def qr_svg(self) -> str:
        return qr_svg(self.activation_code or "", title=_("QR code of your eSIM activation code"))

    @property
    def ios_link(self) -> str | None:
        return ios_install_link(self.activation_code) if self.activation_code else None

    @property
    def android_link(self) -> str | None:
        return android_install_link(self.activation_code) if self.activation_code else None


def _profile_state(esim: Esim) -> str:
    if esim.status == EsimStatus.PROVISIONING:
        return ProfileState.RESERVED
    if esim.status in (EsimStatus.CANCELLED, EsimStatus.RETIRED):
        return ProfileState.RETIRED
    if esim.status == EsimStatus.FAILED:
        return ProfileState.ERROR
    if esim.profile is None:
        return ProfileState.RETIRED
    return str(esim.profile.state)


def same_origin_url(url: str) -> str | None:
    """``url`` when it is served by this site; anything else would be a third-party request."""
    if not url:
        return None
    ours, theirs = urlsplit(settings.PUBLIC_BASE_URL), urlsplit(url)
    if (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc):
        return url
    return None


def partner_brand(partner: Partner) -> Brand:
    """The eSIM's own partner's branding only (never a parent's or another's), with defaults.

    A logo hosted elsewhere is left out: the page makes no third-party request, so a partner
    hosts its logo with us (static or media) for it to show.
    """
    return brand_build(
        name=partner.brand_name,
        colour=partner.brand_colour,
        logo_url=same_origin_url(partner.logo_url),
        support_email=partner.support_email,
        support_phone=partner.support_phone,
        support_url=partner.support_url,
    )


def country_name(*, iso2: str, fallback: str) -> str:
    """The country's name in the active language (CLDR through Babel), else the stored name."""
    try:
        locale = Locale.parse(translation.to_locale(translation.get_language() or "en"))
    except (ValueError, UnknownLocaleError):
        return fallback
    return str(locale.territories.get(iso2.upper(), fallback))


def plan_coverage(plan: Plan) -> tuple[str, list[str]]:
    """The coverage's name and its countries, sorted for the reader's language."""
    if plan.country is not None:
        name = country_name(iso2=plan.country.iso2, fallback=plan.country.name)
        return name, [name]
    region = plan.region
    if region is None:
        return "", []
    names = sorted(
        (country_name(iso2=c.iso2, fallback=c.name) for c in region.countries.all()),
        key=str.casefold,
    )
    return region.name, names


def _confirmation_code(esim: Esim) -> str | None:
    if not esim.confirmation_required or esim.profile is None:
        return None
    code = esim.profile.confirmation_code
    return reveal(code) or None


def _matching_id(activation_code: str) -> str:
    """The matching ID the traveler types in by hand, read with the one SGP.22 parser."""
    try:
        return activation_code_parse(activation_code).matching_id
    except InvalidActivationCode:
        return ""


def esim_facts(esim: Esim) -> EsimFacts:
    order = esim.order
    plan = order.plan
    code = reveal(esim.activation_code) or None
    expired = esim.status == EsimStatus.EXPIRED or bool(
        esim.expires_at and esim.expires_at <= timezone.now()
    )
    used = esim.data_used_mb
    coverage_name, countries = plan_coverage(plan)
    return EsimFacts(
        brand=partner_brand(order.partner),
        plan_name=plan.name,
        coverage_name=coverage_name,
        countries=countries,
        data_mb=esim.data_mb,
        validity_days=esim.validity_days,
        expires_at=esim.expires_at,
        profile_state=_profile_state(esim),
        expired=expired,
        used_mb=float(used) if used else None,
        activation_code=code,
        smdp_address=esim.smdp_address,
        matching_id=_matching_id(code) if code else "",
        confirmation_required=esim.confirmation_required,
        confirmation_code=_confirmation_code(esim),
    )


def traveler_email(esim: Esim) -> str:
    return esim.order.traveler_email


def traveler_language(esim: Esim) -> str:
    """The language the partner gave with the order, else the site default; once the traveler
    opens their page, the page's language takes over (stored on the page access)."""
    return esim.order.traveler_language or settings.LANGUAGE_CODE


def esims_for_traveler(*, email: str, reference: str) -> list[Esim]:
    """The usable eSIMs of the order whose traveler email and reference both match.

    The reference may be the partner's (on the traveler's receipt) or our order number.
    """
    same_reference = Q(order__reference__iexact=reference)
    if reference.isdigit() and len(reference) < 19:
        same_reference |= Q(order_id=int(reference))
    return list(
        Esim.objects.filter(same_reference, order__traveler_email__iexact=email)
        .exclude(status__in=[EsimStatus.FAILED, EsimStatus.CANCELLED])
        .select_related("order")
    )
