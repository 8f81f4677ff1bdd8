"""The set-based checks of ``pool_import``: header rules and the SQL that finds bad lines.

Formats (field count, ICCID, IMSI, PIN/PUK) are checked in Python as the file streams
past; uniqueness (inside the file, against the inventory) is checked set-based in SQL, one
``INSERT … SELECT`` into ``import_problems`` per rule. Line numbers count the header as 1.
"""

# SQL here is composed only from the fixed column whitelist (ALLOWED_COLUMNS) and integers;
# every value read from the file stays in the database or is passed as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from profiles.choices import ImportErrorCode as E
from profiles.iccid import InvalidIccid, iccid_parse

ALLOWED_COLUMNS = ("iccid", "imsi", "pin1", "puk1", "pin2", "puk2")
SECRET_COLUMNS = ("pin1", "puk1", "pin2", "puk2")
# Normalised header names that carry network authentication or OTA keys.
FORBIDDEN_COLUMNS = frozenset(
    {"ki", "eki", "kienc", "opc", "eopc", "op", "k4", "kic", "kid", "kik", "transportkey"}
)
FORBIDDEN_WHY = (
    "network authentication keys (Ki, OPc, K4 …) belong in the HSS/AuC and in the SM-DP+'s "
    "profile package, never in this back office; remove the column and import again"
)


@dataclass(frozen=True)
class ImportProblem:
    line: int | None
    column: str
    code: E
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code.value,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        column = f", column {self.column}" if self.column else ""
        return f"{where}{column}: {self.message}"


def _normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def header_check(header: list[str]) -> tuple[list[str], list[ImportProblem]]:
    """The canonical column names of ``header`` and what is wrong with it."""
    problems: list[ImportProblem] = []
    columns: list[str] = []
    for raw in header:
        label, name = raw.strip(), _normalise(raw)
        if name in FORBIDDEN_COLUMNS:
            problems.append(
                ImportProblem(
                    1, label, E.FORBIDDEN_COLUMN, f"column '{label}' refused: {FORBIDDEN_WHY}"
                )
            )
        elif name not in ALLOWED_COLUMNS:
            problems.append(
                ImportProblem(
                    1,
                    label,
                    E.UNKNOWN_COLUMN,
                    f"unknown column '{label}'; the columns allowed are "
                    f"{', '.join(c.upper() for c in ALLOWED_COLUMNS)}",
                )
            )
        elif name in columns:
            problems.append(
                ImportProblem(1, label, E.DUPLICATE_COLUMN, f"column '{label}' appears twice")
            )
        columns.append(name)
    if "iccid" not in columns:
        problems.append(
            ImportProblem(1, "", E.MISSING_ICCID_COLUMN, "the header has no ICCID column")
        )
    return columns, problems


# The plain spelling of each column's value, as almost every line of a vendor file has it.
_PLAIN = {
    "iccid": "([0-9]{19,20})",
    "imsi": "([0-9]{6,15}|)",
    "pin1": "([0-9]{4,8}|)",
    "pin2": "([0-9]{4,8}|)",
    "puk1": "([0-9]{8}|)",
    "puk2": "([0-9]{8}|)",
}


def plain_line_pattern(columns: list[str]) -> re.Pattern[str]:
    """A line whose fields are all in their plain spelling: ASCII digits, no blanks, quotes or
    ``F`` filler, each of an allowed length or empty (the ICCID never).

    Such a line is good once its ICCID passes the Luhn check, and its fields are already the
    canonical values, so the import takes them without ``line_problems``; every other line
    goes through ``line_problems``, which accepts the same plain lines and explains the rest.
    """
    return re.compile(",".join(_PLAIN[name] for name in columns))


def line_problems(
    line: int, fields: list[str], columns: list[str]
) -> tuple[list[str] | None, list[ImportProblem]]:
    """Check one data line's formats: its canonical values, or ``None`` and its problems.

    Runs in Python as the file streams past (cheaper per line than SQL string functions);
    duplicates are checked afterwards, set-based, by ``uniqueness_sql``.
    """
    if len(fields) != len(columns):
        return None, [
            ImportProblem(
                line,
                "",
                E.MALFORMED_LINE,
                f"the line has {len(fields)} fields; the header has {len(columns)}",
            )
        ]
    values = [f.strip().strip('"').strip() for f in fields]
    problems: list[ImportProblem] = []
    for index, name in enumerate(columns):
        value = values[index]
        if name == "iccid":
            try:
                values[index] = iccid_parse(value)
            except InvalidIccid as exc:
                problems.append(ImportProblem(line, "ICCID", E.ICCID_INVALID, str(exc)))
        elif not value:
            continue
        elif name == "imsi":
            if not (value.isascii() and value.isdigit() and 6 <= len(value) <= 15):
                problems.append(
                    ImportProblem(
                        line, "IMSI", E.IMSI_INVALID, f"the IMSI '{value}' must be 6 to 15 digits"
                    )
                )
        elif name.startswith("pin"):
            if not (value.isascii() and value.isdigit() and 4 <= len(value) <= 8):
                problems.append(
                    ImportProblem(
                        line,
                        name.upper(),
                        E.PIN_INVALID,
                        f"the {name.upper()} must be 4 to 8 digits",
                    )
                )
        elif not (value.isascii() and value.isdigit() and len(value) == 8):
            problems.append(
                ImportProblem(
                    line, name.upper(), E.PUK_INVALID, f"the {name.upper()} must be 8 digits"
                )
            )
    return (None if problems else values), problems


def uniqueness_sql(columns: list[str]) -> list[tuple[str, list[Any]]]:
    """Set-based checks over ``import_rows``: repeats inside the file and in the inventory.

    Each statement inserts ``(line, col, code, message)`` rows into ``import_problems``.
    """
    into = "INSERT INTO import_problems (line, col, code, message) "
    checked = ["iccid"] + (["imsi"] if "imsi" in columns else [])
    sql: list[tuple[str, list[Any]]] = []
    for name in checked:
        label = name.upper()
        present = "" if name == "iccid" else f"WHERE {name} <> ''"
        joined = "" if name == "iccid" else f"AND r.{name} <> ''"
        repeated = E.ICCID_DUPLICATE_IN_FILE if name == "iccid" else E.IMSI_DUPLICATE_IN_FILE
        exists = E.ICCID_EXISTS if name == "iccid" else E.IMSI_EXISTS
        sql.append(
            (
                into + f"SELECT line, '{label}', %s, 'the {label} ' || {name} || "
                "' is repeated (first on line ' || first_line || ')' FROM ("
                f"  SELECT line, {name}, min(line) OVER (PARTITION BY {name}) AS first_line"
                f"  FROM import_rows {present}"
                ") AS d WHERE line > first_line",
                [repeated.value],
            )
        )
        sql.append(
            (
                into + f"SELECT r.line, '{label}', %s, 'the {label} ' || r.{name} || "
                "' is already in the inventory' FROM import_rows AS r "
                f"JOIN profiles_profile AS p ON p.{name} = r.{name} {joined}",
                [exists.value],
            )
        )
    return sql
