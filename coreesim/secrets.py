"""A wrapper that keeps a secret out of reprs, logs, templates and admin lists by default."""

from __future__ import annotations

from typing import Any

MASK = "••••••"


class Secret:
    """Holds a sensitive string; only ``reveal()`` gives it back.

    ``str()``, ``repr()`` and f-strings show a mask, so a secret that slips into a log line, an
    exception or a template shows nothing useful.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return "Secret('••••••')"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)


def reveal(value: Secret | str | None) -> str | None:
    """Plain text of a secret, or of a string that has not been wrapped yet."""
    if value is None:
        return None
    return value.reveal() if isinstance(value, Secret) else value
