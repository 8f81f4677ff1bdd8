"""Which one-tap install link, if any, a browser can use.

Apple's ``esimsetup.apple.com`` universal link works from iOS 17.4; Android's from any
browser on Android. Everything else (desktops, iPads that present themselves as macOS,
unknown agents) gets the QR code and the manual details only, because a one-tap link opened
on the wrong device fails with a confusing error.
"""

from __future__ import annotations

import re

from orders.portal.choices import Platform

_IOS = re.compile(r"\((?:iPhone|iPod|iPad)[^)]*? OS (\d+)(?:_(\d+))?")
_ANDROID = re.compile(r"\bAndroid\b")

ONE_TAP_MIN_IOS = (17, 4)


def platform_from_user_agent(user_agent: str) -> Platform:
    match = _IOS.search(user_agent)
    if match:
        version = (int(match.group(1)), int(match.group(2) or 0))
        return Platform.IOS_ONE_TAP if version >= ONE_TAP_MIN_IOS else Platform.IOS
    if _ANDROID.search(user_agent):
        return Platform.ANDROID
    return Platform.OTHER
