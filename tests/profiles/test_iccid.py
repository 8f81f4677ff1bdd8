"""ICCID parsing: the canonical form every app relies on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profiles.choices import IccidProblem
from profiles.iccid import InvalidIccid, iccid_is_valid, iccid_parse, luhn_check_digit, luhn_valid

bodies = st.text(alphabet="0123456789", min_size=18, max_size=19)


@given(bodies)
def test_a_body_completed_with_its_luhn_digit_parses_to_itself(body: str) -> None:
    iccid = body + luhn_check_digit(body)
    assert iccid_parse(iccid) == iccid


@given(bodies)
def test_a_trailing_f_filler_is_stripped(body: str) -> None:
    iccid = body + luhn_check_digit(body)
    assert iccid_parse(f"{iccid}F") == iccid
    assert iccid_parse(f"  {iccid}f ") == iccid


@given(bodies, st.integers(min_value=1, max_value=9))
def test_any_wrong_check_digit_is_refused_as_luhn(body: str, offset: int) -> None:
    wrong = str((int(luhn_check_digit(body)) + offset) % 10)
    with pytest.raises(InvalidIccid) as caught:
        iccid_parse(body + wrong)
    assert caught.value.problem == IccidProblem.LUHN
    assert f"expected {luhn_check_digit(body)}" in str(caught.value)


@given(bodies, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=9))
def test_changing_one_digit_breaks_luhn(body: str, position: int, delta: int) -> None:
    iccid = body + luhn_check_digit(body)
    changed = iccid[:position] + str((int(iccid[position]) + delta) % 10) + iccid[position + 1 :]
    assert not luhn_valid(changed)


@given(
    st.text(alphabet="0123456789", min_size=1, max_size=30).filter(lambda s: len(s) not in (19, 20))
)
def test_lengths_other_than_19_or_20_are_refused(digits: str) -> None:
    with pytest.raises(InvalidIccid) as caught:
        iccid_parse(digits)
    assert caught.value.problem == IccidProblem.LENGTH


@pytest.mark.parametrize(
    "text", ["89882470000000000A1", "8988 2470000000000001", "8988-247000000000001"]
)
def test_non_digits_are_refused(text: str) -> None:
    with pytest.raises(InvalidIccid) as caught:
        iccid_parse(text)
    assert caught.value.problem == IccidProblem.CHARACTERS


@pytest.mark.parametrize("text", ["", "   ", "F"])
def test_empty_is_refused(text: str) -> None:
    with pytest.raises(InvalidIccid) as caught:
        iccid_parse(text)
    assert caught.value.problem == IccidProblem.EMPTY


def test_the_textbook_luhn_example_holds() -> None:
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_a_20_digit_iccid_with_its_check_digit_is_valid() -> None:
    assert iccid_is_valid("89014103211118510720")
    assert not iccid_is_valid("89014103211118510721")
