"""The plain-line shortcut of the import accepts exactly what ``line_problems`` accepts."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from profiles.iccid import luhn_valid
from profiles.services.import_checks import line_problems, plain_line_pattern
from tests.factories.profiles import iccid_for

COLUMNS = ["iccid", "imsi", "pin1", "puk1", "pin2", "puk2"]

field = st.one_of(
    st.text(alphabet="0123456789", max_size=21),
    st.text(alphabet='0123456789 "Ff\t-x', max_size=22),
    st.integers(0, 10**6).map(iccid_for),
)


@given(st.lists(field, min_size=6, max_size=6))
@example([iccid_for(7), "234150000000001", "1234", "12345678", "", ""])
@example([iccid_for(7), "", "", "", "", ""])
@example([iccid_for(7) + "F", "", "", "", "", ""])
@example([f" {iccid_for(7)} ", "", "", "", "", ""])
def test_a_plain_line_is_good_with_the_same_values(fields: list[str]) -> None:
    line = ",".join(fields)
    match = plain_line_pattern(COLUMNS).fullmatch(line)
    values, problems = line_problems(2, line.split(","), COLUMNS)
    if match is not None and luhn_valid(match[1]):
        assert (values, problems) == (list(match.groups()), [])
    if values is not None and line == ",".join(values):
        # A good line already in canonical form is never left to the slow path.
        assert match is not None
