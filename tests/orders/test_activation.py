"""The activation code format of SGP.22 §4.1 and the one-tap install links."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.activation import (
    ActivationCode,
    InvalidActivationCode,
    activation_code_build,
    activation_code_parse,
    android_install_link,
    ios_install_link,
)

ADDRESS = "smdp.example.com"
MATCHING_ID = "QR-G-5C-1LS-1W1Z9P7"
OID = "1.3.6.1.4.1.31746"


def test_code_without_oid_or_confirmation_has_three_fields() -> None:
    code = activation_code_build(smdp_address=ADDRESS, matching_id=MATCHING_ID)
    assert code == "LPA:1$smdp.example.com$QR-G-5C-1LS-1W1Z9P7"


def test_code_with_oid_appends_it_as_fourth_field() -> None:
    code = activation_code_build(smdp_address=ADDRESS, matching_id=MATCHING_ID, oid=OID)
    assert code == "LPA:1$smdp.example.com$QR-G-5C-1LS-1W1Z9P7$1.3.6.1.4.1.31746"


def test_confirmation_flag_without_oid_leaves_oid_field_empty() -> None:
    code = activation_code_build(
        smdp_address=ADDRESS, matching_id=MATCHING_ID, confirmation_required=True
    )
    assert code == "LPA:1$smdp.example.com$QR-G-5C-1LS-1W1Z9P7$$1"


def test_confirmation_flag_with_oid_follows_the_oid() -> None:
    code = activation_code_build(
        smdp_address=ADDRESS, matching_id=MATCHING_ID, oid=OID, confirmation_required=True
    )
    assert code == "LPA:1$smdp.example.com$QR-G-5C-1LS-1W1Z9P7$1.3.6.1.4.1.31746$1"


def test_empty_oid_from_the_server_record_means_no_oid() -> None:
    code = activation_code_build(smdp_address=ADDRESS, matching_id=MATCHING_ID, oid="")
    assert code == "LPA:1$smdp.example.com$QR-G-5C-1LS-1W1Z9P7"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LPA:1$smdp.example.com$MID", ActivationCode("smdp.example.com", "MID")),
        ("LPA:1$smdp.example.com$MID$1.2.3", ActivationCode("smdp.example.com", "MID", "1.2.3")),
        (
            "LPA:1$smdp.example.com$MID$$1",
            ActivationCode("smdp.example.com", "MID", None, confirmation_required=True),
        ),
        (
            "LPA:1$smdp.example.com$MID$1.2.3$1",
            ActivationCode("smdp.example.com", "MID", "1.2.3", confirmation_required=True),
        ),
    ],
)
def test_parse_reads_every_variant(text: str, expected: ActivationCode) -> None:
    assert activation_code_parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "lpa:1$smdp.example.com$MID",
        "Lpa:1$smdp.example.com$MID",
        "1$smdp.example.com$MID",
        "LPA:2$smdp.example.com$MID",
        "LPA:1$$MID",
        "LPA:1$smdp.example.com$",
        "LPA:1$smdp.example.com",
        "LPA:1$smdp.example.com$MID$",
        "LPA:1$smdp.example.com$MID$$",
        "LPA:1$smdp.example.com$MID$$0",
        "LPA:1$smdp.example.com$MID$1.2.3$2",
        "LPA:1$smdp.example.com$MID$1.2.3$1$extra",
        "LPA:1$smdp.example.com$MID$not-an-oid",
        "LPA:1$smdp example.com$MID",
        "LPA:1$smdp.example.com$MID WITH SPACE",
    ],
)
def test_parse_rejects_malformed_codes(text: str) -> None:
    with pytest.raises(InvalidActivationCode):
        activation_code_parse(text)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"smdp_address": "smdp$evil.com", "matching_id": "MID"},
        {"smdp_address": "smdp.example.com", "matching_id": "MI$D"},
        {"smdp_address": "smdp.example.com", "matching_id": "MID", "oid": "1.2$3"},
        {"smdp_address": "", "matching_id": "MID"},
        {"smdp_address": "smdp.example.com", "matching_id": ""},
        {"smdp_address": "-smdp.example.com", "matching_id": "MID"},
        {"smdp_address": "smdp.example.com", "matching_id": "M" * 256},
        {"smdp_address": "smdp.example.com", "matching_id": "MIDé"},
    ],
)
def test_build_refuses_fields_that_would_break_the_format(kwargs: dict[str, str]) -> None:
    with pytest.raises(InvalidActivationCode):
        activation_code_build(**kwargs)


def test_address_with_port_of_a_local_simulator_is_accepted() -> None:
    code = activation_code_build(smdp_address="127.0.0.1:8443", matching_id="MID")
    assert activation_code_parse(code).smdp_address == "127.0.0.1:8443"


def test_repr_and_str_never_show_the_matching_id() -> None:
    code = activation_code_parse("LPA:1$smdp.example.com$SECRET-MID")
    assert "SECRET-MID" not in repr(code)
    assert "SECRET-MID" not in str(code)


_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


@given(
    address=st.lists(_label, min_size=1, max_size=4).map(".".join),
    matching_id=st.from_regex(r"[0-9A-Z-]{1,64}", fullmatch=True),
    oid=st.none() | st.from_regex(r"[0-2](\.(0|[1-9][0-9]{0,4})){1,8}", fullmatch=True),
    confirmation_required=st.booleans(),
)
def test_build_then_parse_gives_back_the_same_fields(
    address: str, matching_id: str, oid: str | None, confirmation_required: bool
) -> None:
    text = activation_code_build(
        smdp_address=address,
        matching_id=matching_id,
        oid=oid,
        confirmation_required=confirmation_required,
    )
    assert activation_code_parse(text) == ActivationCode(
        address, matching_id, oid, confirmation_required
    )


def test_ios_link_carries_the_whole_code_url_encoded() -> None:
    code = "LPA:1$smdp.example.com$MID-1$1.2.3$1"
    link = ios_install_link(code)
    assert link == (
        "https://esimsetup.apple.com/esim_qrcode_provisioning"
        "?carddata=LPA%3A1%24smdp.example.com%24MID-1%241.2.3%241"
    )


def test_android_link_carries_the_whole_code_url_encoded() -> None:
    code = "LPA:1$smdp.example.com$MID-1$$1"
    link = android_install_link(code)
    assert link == (
        "https://esimsetup.android.com/esim_qrcode_provisioning"
        "?carddata=LPA%3A1%24smdp.example.com%24MID-1%24%241"
    )


@pytest.mark.parametrize("make_link", [ios_install_link, android_install_link])
def test_install_link_decodes_back_to_the_exact_code(make_link) -> None:
    code = "LPA:1$smdp.example.com$A+B/C=D&E?F#G%H$1.2.3$1"
    query = parse_qs(urlsplit(make_link(code)).query, strict_parsing=True)
    assert query == {"carddata": [code]}


def test_install_link_refuses_a_malformed_code() -> None:
    with pytest.raises(InvalidActivationCode):
        ios_install_link("lpa:1$smdp.example.com$MID")
