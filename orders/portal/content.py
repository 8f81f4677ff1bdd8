"""The words the traveler reads: states in plain language and install steps per platform.

The state comes from our profile lifecycle (moved by the SM-DP+'s download-progress
notifications and by operator actions), so the page says "Installed" once the SM-DP+ has
reported the install, not when the traveler merely opened the page.
"""

# ruff: noqa: RUF001 -- the angle quotes and curly quotes are the typography travelers read.
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from orders.portal.choices import Platform, TravelerState
from profiles.choices import ProfileState

_FROM_PROFILE: dict[str, TravelerState] = {
    ProfileState.AVAILABLE: TravelerState.PREPARING,
    ProfileState.RESERVED: TravelerState.PREPARING,
    ProfileState.RELEASED: TravelerState.READY,
    ProfileState.DOWNLOADED: TravelerState.READY,
    ProfileState.INSTALLED: TravelerState.INSTALLED,
    ProfileState.ENABLED: TravelerState.ACTIVE,
    ProfileState.DISABLED: TravelerState.INSTALLED,
    ProfileState.SUSPENDED: TravelerState.SUSPENDED,
    ProfileState.DELETED: TravelerState.REMOVED,
    ProfileState.CANCELLED: TravelerState.REMOVED,
    ProfileState.RETIRED: TravelerState.REMOVED,
    ProfileState.ERROR: TravelerState.PROBLEM,
}

# States in which the traveler still needs the QR code and the manual details.
INSTALLABLE = frozenset({TravelerState.READY})


def traveler_state(*, profile_state: str, expired: bool) -> TravelerState:
    if expired:
        return TravelerState.EXPIRED
    return _FROM_PROFILE.get(profile_state, TravelerState.PROBLEM)


def state_help(state: TravelerState) -> str:
    texts = {
        TravelerState.PREPARING: _(
            "We are preparing your eSIM. This usually takes less than a minute: reload this page."
        ),
        TravelerState.READY: _(
            "Install it now, while you have Wi-Fi. "
            "It starts working when you arrive and turn it on."
        ),
        TravelerState.INSTALLED: _(
            "It is on your phone. Turn it on and allow data roaming for it when you arrive."
        ),
        TravelerState.ACTIVE: _("It is on your phone and working."),
        TravelerState.SUSPENDED: _(
            "It is paused by your provider. Contact support to turn it back on."
        ),
        TravelerState.EXPIRED: _("Its validity has ended. You can remove it from your phone."),
        TravelerState.REMOVED: _("It was removed and can no longer be used."),
        TravelerState.PROBLEM: _("Something went wrong with this eSIM. Please contact support."),
    }
    return texts[state]


@dataclass(frozen=True)
class Guide:
    platform: Platform
    title: str
    steps: list[str]
    open: bool


def install_guides(platform: Platform) -> list[Guide]:
    """Step-by-step instructions, the traveler's own platform first and open."""
    iphone = Guide(
        platform=Platform.IOS,
        title=_("iPhone"),
        steps=[
            _("Connect to Wi-Fi."),
            _("Open Settings › Mobile Service (or Cellular) › Add eSIM."),
            _("Choose “Use QR Code”, scan the code, or tap “Enter Details Manually”."),
            _("For manual entry, copy the SM-DP+ address and the activation code from this page."),
            _("Label the new line (for example “Travel”) and choose it for mobile data."),
            _("When you arrive, turn on Data Roaming for this line."),
        ],
        open=platform in (Platform.IOS, Platform.IOS_ONE_TAP),
    )
    android = Guide(
        platform=Platform.ANDROID,
        title=_("Android"),
        steps=[
            _("Connect to Wi-Fi."),
            _("Open Settings › Network & internet (or Connections) › SIMs › Add eSIM."),
            _("Scan the QR code, or choose to enter the code and paste the full activation code."),
            _("Follow the prompts and choose the new eSIM for mobile data."),
            _("When you arrive, turn on Roaming for this eSIM."),
        ],
        open=platform == Platform.ANDROID,
    )
    return [android, iphone] if platform == Platform.ANDROID else [iphone, android]
