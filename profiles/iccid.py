"""ICCID parsing: one canonical spelling (19 or 20 digits, Luhn-checked) used by every app.

SM-DP+ exports and vendor files often pad a 19-digit ICCID to 20 nibbles with a trailing ``F``
(the BCD filler of the EF.ICCID file); that filler is accepted on input and stripped, so the
same card is never stored under two spellings.
"""

from __future__ import annotations

from profiles.choices import IccidProblem

MIN_DIGITS = 19
MAX_DIGITS = 20


class InvalidIccid(ValueError):
    """The text is not an ICCID; ``problem`` says which rule it broke."""

    def __init__(self, problem: IccidProblem, message: str) -> None:
        self.problem = problem
        super().__init__(message)


# Digit value after Luhn doubling, indexed by the ASCII code of the digit.
_DOUBLED = bytes.maketrans(b"0123456789", bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))
_VALUE = bytes.maketrans(b"0123456789", bytes(range(10)))


def _luhn_sum(digits: bytes, *, double_last: bool) -> int:
    """Luhn sum of ASCII ``digits``; the rightmost one is doubled when ``double_last``."""
    reversed_digits = digits[::-1]
    doubled, kept = (1, 0) if not double_last else (0, 1)
    return sum(reversed_digits[doubled::2].translate(_DOUBLED)) + sum(
        reversed_digits[kept::2].translate(_VALUE)
    )


def luhn_check_digit(body: str) -> str:
    """The Luhn (ISO/IEC 7812) digit that completes ``body`` (ASCII digits)."""
    return str((10 - _luhn_sum(body.encode(), double_last=True) % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when the last digit of ``number`` (ASCII digits) is its Luhn check digit."""
    return len(number) >= 2 and _luhn_sum(number.encode(), double_last=False) % 10 == 0


def iccid_parse(value: str) -> str:
    """The canonical ICCID for ``value``, or ``InvalidIccid`` saying what is wrong.

    Surrounding blanks and one trailing ``F``/``f`` filler are removed; what remains must be
    19 or 20 ASCII digits whose last digit is the Luhn check digit.
    """
    text = value.strip()
    if text[-1:] in ("F", "f"):
        text = text[:-1]
    if not text:
        raise InvalidIccid(IccidProblem.EMPTY, "the ICCID is empty")
    if not (text.isascii() and text.isdigit()):
        raise InvalidIccid(
            IccidProblem.CHARACTERS,
            f"the ICCID '{value.strip()}' must contain only digits (a trailing F is allowed)",
        )
    if not MIN_DIGITS <= len(text) <= MAX_DIGITS:
        raise InvalidIccid(
            IccidProblem.LENGTH,
            f"the ICCID '{text}' has {len(text)} digits; it must have {MIN_DIGITS} or {MAX_DIGITS}",
        )
    if not luhn_valid(text):
        raise InvalidIccid(
            IccidProblem.LUHN,
            f"the ICCID '{text}' fails its Luhn check digit (expected "
            f"{luhn_check_digit(text[:-1])} at the end)",
        )
    return text


def iccid_is_valid(value: str) -> bool:
    try:
        iccid_parse(value)
    except InvalidIccid:
        return False
    return True
