"""The activation code a traveler scans, and the one-tap install links built from it.

GSMA SGP.22 §4.1 defines the activation code as ``$``-separated fields::

    LPA:1$<SM-DP+ address>$<AC token (matching ID)>[$<SM-DP+ OID>[$<confirmation flag>]]

``LPA:`` is the QR-code scheme (upper case), ``1`` the format, the address an FQDN, the token the
matching ID the SM-DP+ returned from ConfirmOrder. The OID is appended only when one is
configured; the confirmation-code-required flag is ``1`` in the fifth field, so without an OID the
OID field stays empty (``LPA:1$addr$mid$$1``). ``$`` is the separator and therefore may not occur
inside any field: a code with one would be read by the eUICC as different fields and silently fail
to install, so building refuses it instead.

The matching ID is a secret (whoever holds it can download the profile): ``ActivationCode`` keeps
it out of its ``repr``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

SCHEME = "LPA:"
AC_FORMAT = "1"
SEPARATOR = "$"
CONFIRMATION_REQUIRED_FLAG = "1"
MAX_MATCHING_ID_LENGTH = 255

IOS_INSTALL_URL = "https://esimsetup.apple.com/esim_qrcode_provisioning"
ANDROID_INSTALL_URL = "https://esimsetup.android.com/esim_qrcode_provisioning"

# An FQDN (RFC 1123 labels), optionally with a port for local simulators.
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_ADDRESS_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?(?::[0-9]{{1,5}})?$")
# An ASN.1 object identifier in dotted form: first arc 0-2, no leading zeros.
_OID_RE = re.compile(r"^[0-2](?:\.(?:0|[1-9][0-9]*))+$")
# SGP.22 asks SM-DP+s for upper-case alphanumerics and '-'; we accept any printable ASCII the
# SM-DP+ returns except the separator, because refusing a conformant-enough answer would strand
# an already-confirmed profile.
_MATCHING_ID_RE = re.compile(r"^[\x21-\x23\x25-\x7e]+$")


class InvalidActivationCode(ValueError):
    """A field or a whole activation code breaks SGP.22 §4.1; the message says which part."""


@dataclass(frozen=True)
class ActivationCode:
    """The parts of one activation code; ``str()`` is never the code (use ``text``)."""

    smdp_address: str
    matching_id: str = field(repr=False)
    oid: str | None = None
    confirmation_required: bool = False

    def __post_init__(self) -> None:
        _check_address(self.smdp_address)
        _check_matching_id(self.matching_id)
        if self.oid is not None:
            _check_oid(self.oid)

    @property
    def text(self) -> str:
        """The full ``LPA:1$…`` string that goes into the QR code."""
        fields = [AC_FORMAT, self.smdp_address, self.matching_id]
        if self.oid is not None or self.confirmation_required:
            fields.append(self.oid or "")
        if self.confirmation_required:
            fields.append(CONFIRMATION_REQUIRED_FLAG)
        return SCHEME + SEPARATOR.join(fields)

    def __str__(self) -> str:
        return f"ActivationCode(smdp_address={self.smdp_address!r}, matching_id=••••••)"


def _check_no_separator(value: str, what: str) -> None:
    if SEPARATOR in value:
        raise InvalidActivationCode(f"the {what} must not contain '{SEPARATOR}'")


def _check_address(value: str) -> None:
    if not value:
        raise InvalidActivationCode("the SM-DP+ address is empty")
    _check_no_separator(value, "SM-DP+ address")
    if not _ADDRESS_RE.match(value):
        raise InvalidActivationCode("the SM-DP+ address is not a host name (FQDN)")


def _check_matching_id(value: str) -> None:
    if not value:
        raise InvalidActivationCode("the matching ID is empty")
    _check_no_separator(value, "matching ID")
    if len(value) > MAX_MATCHING_ID_LENGTH:
        raise InvalidActivationCode(
            f"the matching ID is longer than {MAX_MATCHING_ID_LENGTH} characters"
        )
    if not _MATCHING_ID_RE.match(value):
        raise InvalidActivationCode("the matching ID holds spaces or non-ASCII characters")


def _check_oid(value: str) -> None:
    if not value:
        raise InvalidActivationCode("the SM-DP+ OID is empty (omit it instead)")
    _check_no_separator(value, "SM-DP+ OID")
    if not _OID_RE.match(value):
        raise InvalidActivationCode("the SM-DP+ OID is not a dotted object identifier")


def activation_code_build(
    *,
    smdp_address: str,
    matching_id: str,
    oid: str | None = None,
    confirmation_required: bool = False,
) -> str:
    """``LPA:1$<address>$<matching id>`` with the optional OID and confirmation flag.

    An empty ``oid`` counts as "no OID configured" (the server record stores ``""``).
    Raises ``InvalidActivationCode`` rather than produce a code the eUICC would misread.
    """
    return ActivationCode(
        smdp_address=smdp_address,
        matching_id=matching_id,
        oid=oid or None,
        confirmation_required=confirmation_required,
    ).text


def activation_code_parse(text: str) -> ActivationCode:
    """Split an ``LPA:1$…`` string into its fields, refusing anything §4.1 does not allow.

    Refused: a missing or lower-case ``LPA:`` scheme, a format other than ``1``, fewer than three
    or more than five fields, an empty address or matching ID, an empty trailing field, and a
    confirmation flag other than ``1``.
    """
    if not text.startswith(SCHEME):
        raise InvalidActivationCode(f"an activation code starts with '{SCHEME}' (upper case)")
    fields = text[len(SCHEME) :].split(SEPARATOR)
    if fields[0] != AC_FORMAT:
        raise InvalidActivationCode(f"unsupported activation code format '{fields[0]}'")
    if not 3 <= len(fields) <= 5:
        raise InvalidActivationCode(
            "an activation code has an address, a matching ID and at most an OID and a flag"
        )
    oid: str | None = None
    confirmation_required = False
    if len(fields) >= 4:
        oid = fields[3] or None
        if oid is None and len(fields) == 4:
            raise InvalidActivationCode("the activation code ends with an empty field")
    if len(fields) == 5:
        if fields[4] != CONFIRMATION_REQUIRED_FLAG:
            raise InvalidActivationCode(
                f"the confirmation code flag must be '{CONFIRMATION_REQUIRED_FLAG}' when present"
            )
        confirmation_required = True
    return ActivationCode(
        smdp_address=fields[1],
        matching_id=fields[2],
        oid=oid,
        confirmation_required=confirmation_required,
    )


def _install_link(base: str, code: str) -> str:
    activation_code_parse(code)
    return f"{base}?carddata={quote(code, safe='')}"


def ios_install_link(code: str) -> str:
    """Apple's one-tap install link (iOS 17.4+) for an ``LPA:1$…`` code, fully URL-encoded."""
    return _install_link(IOS_INSTALL_URL, code)


def android_install_link(code: str) -> str:
    """Android's one-tap install link for an ``LPA:1$…`` code, fully URL-encoded."""
    return _install_link(ANDROID_INSTALL_URL, code)
