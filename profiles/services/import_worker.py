"""The per-line work of ``pool_import``, shaped to run in worker processes.

A chunk of raw file bytes goes in (cheap to send: one ``bytes`` object); the COPY text for
the good lines (PIN/PUK already encrypted) and the problems of the bad ones come out. For
large files ``pool_import`` runs chunks in a pool of spawned processes, so checking and
encryption use every core while PostgreSQL ingests the COPY stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from profiles.services.import_checks import line_problems
from profiles.services.secrets_batch import encrypt_batch

ProblemRow = tuple[int, str, str, str]


@dataclass(frozen=True)
class ChunkResult:
    copy: bytes  # COPY text rows: line, ICCID, IMSI, secrets…
    problems: list[ProblemRow]
    lines: int  # non-blank data lines in the chunk


def chunk_process(
    first_line: int, chunk: bytes, columns: list[str], secrets: list[str], contexts: list[str]
) -> ChunkResult:
    """Check and encode the lines of ``chunk``; ``first_line`` is the file line of its first."""
    iccid_at = columns.index("iccid")
    imsi_at = columns.index("imsi") if "imsi" in columns else None
    secret_at = [columns.index(c) for c in secrets]
    good: list[list[str]] = []
    problems: list[ProblemRow] = []
    lines = 0
    for number, raw in enumerate(chunk.split(b"\n"), start=first_line):
        text = raw.decode("utf-8", errors="replace").rstrip("\r")
        if not text.strip():
            continue
        lines += 1
        values, found = line_problems(number, text.split(","), columns)
        if values is None:
            problems.extend((p.line or 0, p.column, p.code.value, p.message) for p in found)
            continue
        values.append(str(number))
        good.append(values)
    sealed = [
        encrypt_batch([row[at] for row in good], context=context)
        for at, context in zip(secret_at, contexts, strict=True)
    ]
    out = []
    for index, row in enumerate(good):
        fields = [row[-1], row[iccid_at], row[imsi_at] if imsi_at is not None else ""]
        fields += [column[index] or "\\N" for column in sealed]
        out.append("\t".join(fields))
    if out:
        out.append("")
    return ChunkResult("\n".join(out).encode(), problems, lines)
