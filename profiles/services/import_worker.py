"""The per-line work of ``pool_import``, shaped to run in worker processes.

A chunk of raw file bytes goes in (cheap to send: one ``bytes`` object); the COPY text for
the good lines (PIN/PUK already encrypted) and the problems of the bad ones come out. For
large files ``pool_import`` runs chunks in a pool of spawned processes, so checking and
encryption use every core while PostgreSQL ingests the COPY stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from profiles.iccid import luhn_valid
from profiles.services.import_checks import line_problems, plain_line_pattern
from profiles.services.secrets_batch import encrypt_batch

ProblemRow = tuple[int, str, str, str]


@dataclass(frozen=True)
class ChunkResult:
    copy: bytes  # COPY text rows: [line,] ICCID, IMSI, secrets…, [the fixed suffix]
    problems: list[ProblemRow]
    lines: int  # non-blank data lines in the chunk


def chunk_process(
    first_line: int,
    chunk: bytes,
    columns: list[str],
    secrets: list[str],
    contexts: list[str],
    numbered: bool = True,
    suffix: str = "",
) -> ChunkResult:
    """Check and encode the lines of ``chunk``; ``first_line`` is the file line of its first.

    ``numbered`` puts each line's number first (the work table needs it to name lines in
    problems); ``suffix``, when given, ends every row (tab-separated COPY text of the columns
    every profile of an import shares, when the rows go straight into ``profiles_profile``).
    """
    iccid_at = columns.index("iccid")
    plain = plain_line_pattern(columns).fullmatch
    good: list[Sequence[str]] = []
    numbers: list[int] = []
    problems: list[ProblemRow] = []
    lines = 0
    text = chunk.decode("utf-8", errors="replace")
    for number, line in enumerate(text.split("\n"), start=first_line):
        line = line.rstrip("\r")
        match = plain(line)
        values: Sequence[str] | None
        if match is not None and luhn_valid(match[iccid_at + 1]):
            values = match.groups()
        elif not line.strip():
            continue
        else:
            values, found = line_problems(number, line.split(","), columns)
            if values is None:
                lines += 1
                problems.extend((p.line or 0, p.column, p.code.value, p.message) for p in found)
                continue
        lines += 1
        good.append(values)
        numbers.append(number)
    if not good:
        return ChunkResult(b"", problems, lines)
    # Built column by column, then joined row by row in one pass.
    fields: list[Sequence[str]] = [[row[iccid_at] for row in good]]
    if numbered:
        fields.insert(0, [str(n) for n in numbers])
    if "imsi" in columns:
        imsi_at = columns.index("imsi")
        fields.append([row[imsi_at] for row in good])
    else:
        fields.append([""] * len(good))
    for name, context in zip(secrets, contexts, strict=True):
        at = columns.index(name)
        sealed = encrypt_batch([row[at] for row in good], context=context)
        fields.append([value or "\\N" for value in sealed])
    if suffix:
        fields.append([suffix] * len(good))
    return ChunkResult(
        ("\n".join(map("\t".join, zip(*fields, strict=True))) + "\n").encode(), problems, lines
    )
