"""The per-line work of ``pool_import``, shaped to run in worker processes.

A chunk of raw file bytes goes in (cheap to send: one ``bytes`` object); the COPY text for
the good lines (PIN/PUK already encrypted) and the problems of the bad ones come out. For
large files ``pool_import`` runs chunks in a pool of spawned processes, so checking and
encryption use every core while PostgreSQL ingests the COPY stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from profiles.iccid import luhn_valid
from profiles.services.import_checks import line_problems, plain_line_pattern
from profiles.services.secrets_batch import encrypt_batch

ProblemRow = tuple[int, str, str, str]


@dataclass(frozen=True)
class ChunkResult:
    copy: bytes  # COPY text rows: [line,] ICCID, IMSI, secrets…, then the fixed suffix
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
    problems); ``suffix`` is appended to every row (the columns every profile of an import
    shares, when the rows go straight into ``profiles_profile``).
    """
    iccid_at = columns.index("iccid")
    imsi_at = columns.index("imsi") if "imsi" in columns else None
    secret_at = [columns.index(c) for c in secrets]
    plain = plain_line_pattern(columns).fullmatch
    good: list[list[str]] = []
    problems: list[ProblemRow] = []
    lines = 0
    text = chunk.decode("utf-8", errors="replace")
    for number, line in enumerate(text.split("\n"), start=first_line):
        line = line.rstrip("\r")
        match = plain(line)
        if match is not None and luhn_valid(match[iccid_at + 1]):
            values = list(match.groups())
        elif not line.strip():
            continue
        else:
            values_or_none, found = line_problems(number, line.split(","), columns)
            if values_or_none is None:
                lines += 1
                problems.extend((p.line or 0, p.column, p.code.value, p.message) for p in found)
                continue
            values = values_or_none
        lines += 1
        values.append(str(number))
        good.append(values)
    sealed = [
        encrypt_batch([row[at] for row in good], context=context)
        for at, context in zip(secret_at, contexts, strict=True)
    ]
    out = []
    for index, row in enumerate(good):
        fields = [row[iccid_at], row[imsi_at] if imsi_at is not None else ""]
        if numbered:
            fields.insert(0, row[-1])
        fields += [column[index] or "\\N" for column in sealed]
        out.append("\t".join(fields) + suffix)
    if out:
        out.append("")
    return ChunkResult("\n".join(out).encode(), problems, lines)
