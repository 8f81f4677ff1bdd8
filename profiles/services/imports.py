"""``pool_import``: load a vendor's CSV of profiles into a pool at close to ``COPY`` speed.

How, and why this way:

1. The header is read first: unknown, repeated and forbidden columns (network keys such as
   Ki/OPc/K4) refuse the file before any data is read.
2. The lines stream through Python once: each line's formats (field count, ICCID
   characters/length/Luhn, IMSI, PIN/PUK) are checked, PIN/PUK are encrypted in batches (the
   encrypted field's own format and column context), and good lines go straight into a
   temporary table through psycopg3 ``cursor.copy()``. Checking formats here is cheaper
   than SQL string functions per row, and the server parses the COPY on the other core.
3. Uniqueness is checked set-based in SQL over that table: repeats inside the file and
   ICCIDs/IMSIs already in the inventory. Every problem is a row ``(line, column, code,
   message)``; line numbers count the header as line 1.
4. By default any problem refuses the whole file (the transaction rolls back, nothing is
   written); ``skip_invalid`` imports the good lines and writes every reject to a report CSV.
5. One ``INSERT … SELECT`` writes the profiles.

Progress goes to a callback (the CLI draws a bar) and to the ``ProfileImport`` row, written
from a second connection so the staff page sees it while the import transaction is open.
A profile's history starts with its import record (``Profile.profile_import``): no
``ProfileEvent`` is written per imported line, which would double the cost of an import.
"""

# SQL here is composed only from the fixed column whitelist (ALLOWED_COLUMNS) and integers;
# every value read from the file stays in the database or is passed as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import csv
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any

import django
from django.db import connection, transaction
from django.utils import timezone

from coreesim.fields import EncryptedTextField
from profiles.choices import ImportErrorCode as E
from profiles.choices import ImportStatus, ProfileState
from profiles.models import Profile, ProfileImport, ProfilePool
from profiles.services.import_checks import (
    SECRET_COLUMNS,
    ImportProblem,
    header_check,
    uniqueness_sql,
)
from profiles.services.import_worker import ChunkResult, chunk_process

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000
CHUNK_BYTES = 1 << 20
PARALLEL_WORKERS = 2
PARALLEL_MIN_BYTES = 4 << 20

DROP_WORK_TABLES = "DROP TABLE IF EXISTS import_rows, import_problems"

Progress = Callable[[str, int, int], None]


class ImportRefused(Exception):
    """The file was refused and nothing imported; ``problems`` holds the first ones found."""

    def __init__(self, problems: list[ImportProblem], count: int) -> None:
        self.problems, self.count = problems, count
        first = "; ".join(str(p) for p in problems[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        super().__init__(f"{first}{more}")


class _ProgressWriter:
    """Writes progress to the ``ProfileImport`` row while the import transaction is open.

    That transaction is invisible to others until it commits, so progress goes through a
    thread with its own connection (autocommit). When the caller already holds a transaction
    (tests, a larger job) a second connection could not see the row: progress is then
    written inline.
    """

    def __init__(self, record_id: int, *, threaded: bool) -> None:
        self.record_id = record_id
        self._pending: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def push(self, **fields: Any) -> None:
        if self._thread is None:
            ProfileImport.objects.filter(pk=self.record_id).update(**fields)
            return
        with self._lock:
            self._pending.update(fields)
        self._wake.set()

    def push_live(self, **fields: Any) -> None:
        """Progress while a COPY holds the import's connection: only the thread can write."""
        if self._thread is not None:
            self.push(**fields)

    def _flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        if pending:
            ProfileImport.objects.filter(pk=self.record_id).update(**pending)

    def _run(self) -> None:
        from django.db import connections

        try:
            while not self._stop:
                self._wake.wait(timeout=0.5)
                self._wake.clear()
                self._flush()
            self._flush()
        finally:
            connections.close_all()

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._stop = True
            self._wake.set()
            self._thread.join()


def pool_import(
    *,
    pool: ProfilePool,
    path: str | Path,
    skip_invalid: bool = False,
    report_path: str | Path | None = None,
    actor: str = "",
    progress: Progress | None = None,
) -> ProfileImport:
    """Import the profiles in the CSV at ``path`` into ``pool``; all or nothing by default.

    Returns the finished ``ProfileImport``. Raises ``ImportRefused`` when the file is
    refused: nothing is imported and the record is kept with status ``failed``, the error
    count and the first errors. With ``skip_invalid`` the good lines are imported and every
    reject goes to ``report_path`` (default ``<file>.rejects.csv``).
    """
    path = Path(path)
    record = ProfileImport.objects.create(
        pool=pool,
        filename=str(path),
        skip_invalid=skip_invalid,
        actor=actor,
        status=ImportStatus.RUNNING,
        started_at=timezone.now(),
    )
    writer = _ProgressWriter(record.pk, threaded=not connection.in_atomic_block)
    outcome: dict[str, Any] = {"status": ImportStatus.FAILED}
    try:
        with transaction.atomic():
            outcome = _load(
                pool=pool,
                record=record,
                path=path,
                skip_invalid=skip_invalid,
                report_path=Path(report_path) if report_path else path.with_suffix(".rejects.csv"),
                writer=writer,
                progress=progress or (lambda phase, done, total: None),
            )
    except ImportRefused as refused:
        outcome = {
            "status": ImportStatus.FAILED,
            "error_count": refused.count,
            "errors": [p.as_dict() for p in refused.problems],
        }
        logger.warning(
            "pool_import_refused",
            extra={"import_id": record.pk, "pool": pool.name, "errors": refused.count},
        )
        raise
    finally:
        writer.close()
        ProfileImport.objects.filter(pk=record.pk).update(**outcome, finished_at=timezone.now())
        record.refresh_from_db()
    logger.info(
        "pool_import_done",
        extra={
            "import_id": record.pk,
            "pool": pool.name,
            "imported": record.imported,
            "rejected": record.rejected,
        },
    )
    return record


def _read_header(handle: IO[bytes]) -> list[str]:
    text = handle.readline().decode("utf-8-sig", errors="replace").rstrip("\r\n")
    return next(csv.reader([text])) if text.strip() else []


def _load(
    *,
    pool: ProfilePool,
    record: ProfileImport,
    path: Path,
    skip_invalid: bool,
    report_path: Path,
    writer: _ProgressWriter,
    progress: Progress,
) -> dict[str, Any]:
    size = path.stat().st_size
    with path.open("rb") as handle, connection.cursor() as cursor:
        header = _read_header(handle)
        if not header:
            raise ImportRefused([ImportProblem(None, "", E.EMPTY_FILE, "the file is empty")], 1)
        columns, problems = header_check(header)
        if problems:
            raise ImportRefused(problems, len(problems))
        secrets = [c for c in SECRET_COLUMNS if c in columns]
        # ON COMMIT DROP does not fire when the caller holds an outer transaction.
        cursor.execute(DROP_WORK_TABLES)
        cursor.execute(
            "CREATE TEMP TABLE import_rows (line bigint, iccid text, imsi text"
            + "".join(f", {c} text" for c in secrets)
            + ") ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE import_problems "
            "(line bigint, col text, code text, message text) ON COMMIT DROP"
        )
        total, found = _stream(cursor, handle, columns, secrets, size, progress, writer)
    if total == 0:
        raise ImportRefused(
            [ImportProblem(None, "", E.EMPTY_FILE, "the file has no data lines")], 1
        )
    writer.push(total=total, processed=total)
    with connection.cursor() as cursor:
        problems, count = _check(cursor, columns, found)
        writer.push(error_count=count)
        progress("check", total, total)
        if count and not skip_invalid:
            raise ImportRefused(problems, count)
        rejected = _write_rejects(cursor, report_path, total) if count else 0
        imported = _insert(cursor, pool=pool, record=record, columns=columns, secrets=secrets)
        cursor.execute(DROP_WORK_TABLES)
    progress("insert", imported, imported)
    return {
        "status": ImportStatus.PARTIAL if rejected else ImportStatus.SUCCEEDED,
        "total": total,
        "processed": total,
        "imported": imported,
        "rejected": rejected,
        "error_count": count,
        "errors": [p.as_dict() for p in problems],
        "report_path": str(report_path) if rejected else "",
    }


def _chunks(handle: IO[bytes], first_line: int) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines with the file line number of their first line."""
    rest = b""
    line = first_line
    while block := handle.read(CHUNK_BYTES):
        block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            continue
        chunk, rest = block[:cut], block[cut + 1 :]
        yield line, chunk
        line += chunk.count(b"\n") + 1
    if rest:
        yield line, rest


def _stream(
    cursor: Any,
    handle: IO[bytes],
    columns: list[str],
    secrets: list[str],
    size: int,
    progress: Progress,
    writer: _ProgressWriter,
) -> tuple[int, list[ImportProblem]]:
    """Check each line, encrypt its secrets, and COPY the good lines into ``import_rows``.

    Returns the number of non-blank data lines and the problems found.
    """
    work = partial(
        chunk_process, columns=columns, secrets=secrets, contexts=[_context(c) for c in secrets]
    )
    found: list[ImportProblem] = []
    total = 0
    pending: deque[Future[ChunkResult]] = deque()
    # Large files are checked and encrypted in spawned worker processes (they share no
    # thread or connection state with this one) while this process feeds PostgreSQL.
    workers = (
        ProcessPoolExecutor(
            max_workers=PARALLEL_WORKERS,
            mp_context=get_context("spawn"),
            initializer=django.setup,
        )
        if size >= PARALLEL_MIN_BYTES
        else None
    )

    def take(result: ChunkResult, copy: Any) -> None:
        nonlocal total
        total += result.lines
        found.extend(
            ImportProblem(line, col, E(code), msg) for line, col, code, msg in result.problems
        )
        if result.copy:
            copy.write(result.copy)

    try:
        with cursor.cursor.copy(
            "COPY import_rows (line, iccid, imsi"
            + "".join(f", {c}" for c in secrets)
            + ") FROM STDIN"
        ) as copy:
            for first_line, chunk in _chunks(handle, first_line=2):
                if workers is None:
                    take(work(first_line, chunk), copy)
                else:
                    pending.append(workers.submit(work, first_line, chunk))
                    while len(pending) > 2 * PARALLEL_WORKERS:
                        take(pending.popleft().result(), copy)
                read = handle.tell()
                progress("read", read, size)
                if total:
                    # Until the file is read, the total is an estimate from the bytes so far.
                    writer.push_live(
                        processed=total, total=max(total, total * size // max(read, 1))
                    )
            while pending:
                take(pending.popleft().result(), copy)
    finally:
        if workers is not None:
            workers.shutdown(cancel_futures=True)
    progress("read", size, size)
    return total, found


def _context(column: str) -> str:
    field = Profile._meta.get_field(column)
    assert isinstance(field, EncryptedTextField)
    return field.context


def _check(
    cursor: Any, columns: list[str], found: list[ImportProblem]
) -> tuple[list[ImportProblem], int]:
    """Add the set-based uniqueness problems to the per-line ones; the first few and the count."""
    if found:
        with cursor.cursor.copy(
            "COPY import_problems (line, col, code, message) FROM STDIN"
        ) as copy:
            for p in found:
                copy.write_row((p.line, p.column, p.code.value, p.message))
    cursor.execute("ANALYZE import_rows")
    for sql, params in uniqueness_sql(columns):
        cursor.execute(sql, params)
    cursor.execute("SELECT count(*) FROM import_problems")
    count = cursor.fetchone()[0]
    if not count:
        return [], 0
    cursor.execute(
        "SELECT line, col, code, message FROM import_problems ORDER BY line, col LIMIT %s",
        [MAX_STORED_ERRORS],
    )
    problems = [ImportProblem(line, col, E(code), msg) for line, col, code, msg in cursor]
    return problems, count


def _write_rejects(cursor: Any, report_path: Path, total: int) -> int:
    """Write every problem to ``report_path`` and drop the rejected lines; how many lines."""
    cursor.execute("SELECT line, col, code, message FROM import_problems ORDER BY line, col")
    with report_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "column", "code", "message"])
        writer.writerows(cursor)
    cursor.execute("DELETE FROM import_rows WHERE line IN (SELECT line FROM import_problems)")
    cursor.execute("SELECT count(*) FROM import_rows")
    return total - int(cursor.fetchone()[0])


def _insert(
    cursor: Any, *, pool: ProfilePool, record: ProfileImport, columns: list[str], secrets: list[str]
) -> int:
    imsi = "r.imsi"
    targets = ["iccid", "imsi", "pool_id", "state", "eid", "profile_import_id", "created_at"]
    values = ["r.iccid", imsi, "%s", "%s", "''", "%s", "now()"]
    if secrets:
        targets += secrets
        values += [f"r.{c}" for c in secrets]
    cursor.execute(
        f"INSERT INTO profiles_profile ({', '.join(targets)}) "
        f"SELECT {', '.join(values)} FROM import_rows AS r",
        [pool.pk, ProfileState.AVAILABLE.value, record.pk],
    )
    return int(cursor.rowcount)
