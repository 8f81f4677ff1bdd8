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


def luhn_check_digit(body: str) -> str:
    """The Luhn (ISO/IEC 7812) digit that completes ``body``."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = ord(char) - 48
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when the last digit of ``number`` is its Luhn check digit."""
    return len(number) >= 2 and luhn_check_digit(number[:-1]) == number[-1]


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
