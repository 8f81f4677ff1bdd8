"""A partner's look on the traveler page and emails, with safe defaults.

A partner's colour is used only when it is a plain ``#rrggbb`` value; the text drawn on it is
black or white, whichever contrasts more, and the colour is used for text on white only when
it meets WCAG AA (4.5:1) there, so no partner can make the page unreadable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_NAME = "CoreESIM"
DEFAULT_COLOUR = "#0b5fff"
DARK_TEXT = "#000000"
LIGHT_TEXT = "#ffffff"
AA_NORMAL_TEXT = 4.5

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    hex6 = colour.lstrip("#")
    r, g, b = (int(hex6[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def normalise_colour(value: str | None) -> str | None:
    match = _HEX.match((value or "").strip())
    return f"#{match.group(1).lower()}" if match else None


@dataclass(frozen=True)
class Brand:
    name: str
    colour: str  # background of the header and buttons
    on_colour: str  # text drawn on ``colour``
    accent: str  # links and focus rings on white
    logo_url: str | None
    support_email: str | None
    support_phone: str | None
    support_url: str | None

    @property
    def has_support(self) -> bool:
        return bool(self.support_email or self.support_phone or self.support_url)


def brand_build(
    *,
    name: str | None = None,
    colour: str | None = None,
    logo_url: str | None = None,
    support_email: str | None = None,
    support_phone: str | None = None,
    support_url: str | None = None,
) -> Brand:
    """A ``Brand`` from whatever the partner configured; every missing or unsafe part defaults."""
    base = normalise_colour(colour) or DEFAULT_COLOUR
    on_colour = (
        LIGHT_TEXT
        if contrast_ratio(base, LIGHT_TEXT) >= contrast_ratio(base, DARK_TEXT)
        else DARK_TEXT
    )
    accent = base if contrast_ratio(base, LIGHT_TEXT) >= AA_NORMAL_TEXT else DEFAULT_COLOUR
    safe_url = support_url if support_url and support_url.startswith("https://") else None
    return Brand(
        name=(name or "").strip() or DEFAULT_NAME,
        colour=base,
        on_colour=on_colour,
        accent=accent,
        logo_url=logo_url or None,
        support_email=support_email or None,
        support_phone=support_phone or None,
        support_url=safe_url,
    )


DEFAULT_BRAND = brand_build()
