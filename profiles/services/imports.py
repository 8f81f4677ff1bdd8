"""``pool_import``: load a vendor's CSV of profiles into a pool at close to ``COPY`` speed.

How, and why this way:

1. The header is read first: unknown, repeated and forbidden columns (network keys such as
   Ki/OPc/K4) refuse the file before any data is read.
2. The lines stream through Python once: each line's formats (field count, ICCID
   characters/length/Luhn, IMSI, PIN/PUK) are checked and PIN/PUK are encrypted in batches
   (the encrypted field's own format and column context), in worker processes for large
   files. Checking formats here is cheaper than SQL string functions per row.
3. The fast pass: good lines go straight into ``profiles_profile`` by ``COPY`` (psycopg3
   ``cursor.copy()``), so PostgreSQL writes rows and indexes on one core while Python checks
   and encrypts the next lines on the other. The unique indexes are the uniqueness check.
4. When a line repeats an ICCID or IMSI (in the file or in the inventory), or the file has
   bad lines and is to be refused, the fast pass is rolled back (a savepoint) and the checked
   pass runs: the lines go into a temporary table, set-based SQL finds every repeat, and
   every problem becomes a row ``(line, column, code, message)``; line numbers count the
   header as line 1. Clean files, the common case, never pay for it.
5. By default any problem refuses the whole file (the transaction rolls back, nothing is
   written); ``skip_invalid`` imports the good lines and writes every reject to a report CSV.

Progress goes to a callback (the CLI draws a bar) and to the ``ProfileImport`` row (phase,
lines processed, estimated total), written from a second connection so the staff page sees
it while the import transaction is open. A profile's history starts with its import record
(``Profile.profile_import``): no ``ProfileEvent`` is written per imported line, which would
double the cost of an import. The pool's stock counters are kept by the database triggers
on ``profiles_profile`` (one counter row per ``COPY`` statement).
"""

# SQL here is composed only from the fixed column whitelist (ALLOWED_COLUMNS) and integers;
# every value read from the file stays in the database or is passed as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import csv
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any

import django
from django.db import connection, transaction
from django.utils import timezone
from psycopg import errors

from coreesim.fields import EncryptedTextField
from profiles.choices import ImportErrorCode as E
from profiles.choices import ImportPhase, ImportStatus, ProfileState
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
# Chunks per COPY statement of the fast pass: a repeat stops the pass at the end of its
# statement, so at most this many chunks are written in vain before the checked pass.
SEGMENT_CHUNKS = 8

DROP_WORK_TABLES = "DROP TABLE IF EXISTS import_rows, import_problems"

Progress = Callable[[str, int, int], None]


class ImportRefused(Exception):
    """The file was refused and nothing imported; ``problems`` holds the first ones found."""

    def __init__(self, problems: list[ImportProblem], count: int) -> None:
        self.problems, self.count = problems, count
        first = "; ".join(str(p) for p in problems[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        super().__init__(f"{first}{more}")


# First key of the two-key advisory locks that running imports hold (the second is the id).
IMPORT_LOCK_SPACE = 4_046_101


class ImportStarted(Exception):
    """``import_run`` was given an import that is running or has run already."""


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


def import_queue(
    *, pool: ProfilePool, path: str | Path, skip_invalid: bool = False, actor: str = ""
) -> ProfileImport:
    """Record an import to run later (``import_run``); the staff page shows it as queued."""
    return ProfileImport.objects.create(
        pool=pool,
        filename=str(path),
        skip_invalid=skip_invalid,
        actor=actor,
        status=ImportStatus.PENDING,
        phase=ImportPhase.QUEUED,
    )


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
    record = import_queue(pool=pool, path=path, skip_invalid=skip_invalid, actor=actor)
    return import_run(record=record, report_path=report_path, progress=progress)


def import_run(
    *,
    record: ProfileImport,
    report_path: str | Path | None = None,
    progress: Progress | None = None,
) -> ProfileImport:
    """Run a queued import (see ``pool_import``); ``ImportStarted`` if it is running or ran.

    The run holds the import's advisory lock for as long as it lasts, so a task the broker
    delivers twice runs the import once, and a run whose process died (its transaction rolled
    back, its lock gone with its connection) is taken over from the start by the next one.
    """
    if not _claim(record.pk):
        raise ImportStarted(f"import {record.pk} is running or has run")
    try:
        return _run(record=record, report_path=report_path, progress=progress)
    finally:
        _unlock(record.pk)


def _claim(import_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK_SPACE, import_id])
        if not cursor.fetchone()[0]:
            return False
    orphaned = ProfileImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).exists()
    claimed = ProfileImport.objects.filter(
        pk=import_id, status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]
    ).update(
        status=ImportStatus.RUNNING,
        phase=ImportPhase.READING,
        processed=0,
        started_at=timezone.now(),
    )
    if not claimed:
        _unlock(import_id)
        return False
    if orphaned:
        logger.warning("pool_import_taken_over", extra={"import_id": import_id})
    return True


def _unlock(import_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK_SPACE, import_id])


def _run(
    *,
    record: ProfileImport,
    report_path: str | Path | None,
    progress: Progress | None,
) -> ProfileImport:
    record.refresh_from_db()
    path = Path(record.filename)
    writer = _ProgressWriter(record.pk, threaded=not connection.in_atomic_block)
    outcome: dict[str, Any] = {"status": ImportStatus.FAILED}
    try:
        with transaction.atomic():
            outcome = _load(
                record=record,
                path=path,
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
            extra={"import_id": record.pk, "pool": record.pool.name, "errors": refused.count},
        )
        raise
    finally:
        writer.close()
        ProfileImport.objects.filter(pk=record.pk).update(
            **outcome, phase=ImportPhase.DONE, finished_at=timezone.now()
        )
        record.refresh_from_db()
    logger.info(
        "pool_import_done",
        extra={
            "import_id": record.pk,
            "pool": record.pool.name,
            "imported": record.imported,
            "rejected": record.rejected,
        },
    )
    return record


def _read_header(handle: IO[bytes]) -> list[str]:
    text = handle.readline().decode("utf-8-sig", errors="replace").rstrip("\r\n")
    return next(csv.reader([text])) if text.strip() else []


@dataclass
class _Job:
    """What every pass over the file shares."""

    record: ProfileImport
    columns: list[str]
    secrets: list[str]
    size: int
    progress: Progress
    writer: _ProgressWriter
    workers: ProcessPoolExecutor | None

    @property
    def contexts(self) -> list[str]:
        return [_context(c) for c in self.secrets]


class _NeedsChecks(Exception):
    """The fast pass met a problem it cannot describe line by line: run the checked pass."""


def _load(
    *,
    record: ProfileImport,
    path: Path,
    report_path: Path,
    writer: _ProgressWriter,
    progress: Progress,
) -> dict[str, Any]:
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = _read_header(handle)
        if not header:
            raise ImportRefused([ImportProblem(None, "", E.EMPTY_FILE, "the file is empty")], 1)
        columns, problems = header_check(header)
        if problems:
            raise ImportRefused(problems, len(problems))
        data_at = handle.tell()
        with _worker_pool(size) as workers:
            job = _Job(
                record=record,
                columns=columns,
                secrets=[c for c in SECRET_COLUMNS if c in columns],
                size=size,
                progress=progress,
                writer=writer,
                workers=workers,
            )
            try:
                with transaction.atomic():
                    outcome = _load_direct(job, handle, report_path)
            except (_NeedsChecks, errors.UniqueViolation):
                writer.push(phase=ImportPhase.CHECKING)
                handle.seek(data_at)
                outcome = _load_checked(job, handle, report_path)
    progress("insert", outcome["imported"], outcome["imported"])
    return outcome


@contextmanager
def _worker_pool(size: int) -> Iterator[ProcessPoolExecutor | None]:
    """Spawned processes for large files (they share no thread or connection with this one)."""
    if size < PARALLEL_MIN_BYTES:
        yield None
        return
    workers = ProcessPoolExecutor(
        max_workers=PARALLEL_WORKERS, mp_context=get_context("spawn"), initializer=django.setup
    )
    try:
        yield workers
    finally:
        workers.shutdown(cancel_futures=True)


def _load_direct(job: _Job, handle: IO[bytes], report_path: Path) -> dict[str, Any]:
    """The fast pass: good lines go straight into ``profiles_profile`` by ``COPY``.

    The unique indexes check repeats as the rows arrive; the first one raises
    ``UniqueViolation`` at the end of its segment, and ``_load`` rolls this pass back and
    runs the checked pass, which names every problem. Format problems are known line by line
    here: with ``skip_invalid`` they are simply left out; otherwise the first one stops this
    pass (the file will be refused) and the checked pass finds all the others.
    """
    record = job.record
    targets = ["iccid", "imsi", *job.secrets]
    targets += ["pool_id", "state", "eid", "profile_import_id", "created_at"]
    suffix = f"{record.pool_id}\t{ProfileState.AVAILABLE.value}\t\t{record.pk}\t"
    suffix += timezone.now().isoformat()
    with connection.cursor() as cursor:
        sink = _SegmentedCopy(
            cursor.cursor, f"COPY profiles_profile ({', '.join(targets)}) FROM STDIN"
        )
        try:
            total, found = _stream(
                job,
                handle,
                sink.write,
                phase="read",
                numbered=False,
                suffix=suffix,
                stop_at_problem=not record.skip_invalid,
            )
            sink.close()
        except BaseException as exc:
            sink.abort(exc)
            raise
    if total == 0:
        raise _no_lines()
    job.writer.push(phase=ImportPhase.WRITING, total=total, processed=total)
    found.sort(key=lambda p: (p.line or 0, p.column))
    rejected = len({p.line for p in found})
    if found:
        _write_report(report_path, ((p.line, p.column, p.code.value, p.message) for p in found))
    return _outcome(total, sink.rows, rejected, found[:MAX_STORED_ERRORS], len(found), report_path)


def _load_checked(job: _Job, handle: IO[bytes], report_path: Path) -> dict[str, Any]:
    """The checked pass: a work table, set-based checks over it, then one ``INSERT``."""
    with connection.cursor() as cursor:
        # ON COMMIT DROP does not fire when the caller holds an outer transaction.
        cursor.execute(DROP_WORK_TABLES)
        cursor.execute(
            # Collated as profiles_profile's columns, so joins against them can use its indexes.
            "CREATE TEMP TABLE import_rows "
            '(line bigint, iccid text COLLATE "C", imsi text COLLATE "C"'
            + "".join(f", {c} text" for c in job.secrets)
            + ") ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE import_problems "
            "(line bigint, col text, code text, message text) ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            "COPY import_rows (line, iccid, imsi"
            + "".join(f", {c}" for c in job.secrets)
            + ") FROM STDIN"
        ) as copy:
            total, found = _stream(job, handle, copy.write, phase="check", numbered=True)
        if total == 0:
            raise _no_lines()
        job.writer.push(total=total, processed=total)
        problems, count = _check(cursor, job.columns, found)
        job.writer.push(error_count=count)
        if count and not job.record.skip_invalid:
            raise ImportRefused(problems, count)
        rejected = _write_rejects(cursor, report_path, total) if count else 0
        job.writer.push(phase=ImportPhase.WRITING)
        imported = _insert(cursor, job)
        cursor.execute(DROP_WORK_TABLES)
    return _outcome(total, imported, rejected, problems, count, report_path)


def _outcome(
    total: int,
    imported: int,
    rejected: int,
    problems: list[ImportProblem],
    count: int,
    report_path: Path,
) -> dict[str, Any]:
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


def _no_lines() -> ImportRefused:
    return ImportRefused([ImportProblem(None, "", E.EMPTY_FILE, "the file has no data lines")], 1)


class _SegmentedCopy:
    """``COPY`` into ``profiles_profile``, one statement per ``SEGMENT_CHUNKS`` chunks.

    PostgreSQL reports a unique violation only when its ``COPY`` statement ends; ending one
    every few chunks stops a file that repeats the inventory early instead of after the last
    line. Each statement also hands the counting trigger a smaller set of new rows.
    """

    def __init__(self, cursor: Any, sql: str) -> None:
        self._cursor, self._sql = cursor, sql
        self._statement: Any = None
        self._copy: Any = None
        self._chunks = 0
        self.rows = 0

    def write(self, data: bytes) -> None:
        if self._statement is None:
            self._statement = self._cursor.copy(self._sql)
            self._copy = self._statement.__enter__()
            self._chunks = 0
        self._copy.write(data)
        self._chunks += 1
        if self._chunks >= SEGMENT_CHUNKS:
            self.close()

    def close(self) -> None:
        statement, self._statement = self._statement, None
        if statement is not None:
            statement.__exit__(None, None, None)
            self.rows += int(self._cursor.rowcount)

    def abort(self, exc: BaseException) -> None:
        statement, self._statement = self._statement, None
        if statement is not None:
            statement.__exit__(type(exc), exc, exc.__traceback__)


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
    job: _Job,
    handle: IO[bytes],
    write: Callable[[bytes], Any],
    *,
    phase: str,
    numbered: bool,
    suffix: str = "",
    stop_at_problem: bool = False,
) -> tuple[int, list[ImportProblem]]:
    """Check each line, encrypt its secrets, and ``write`` the good lines as COPY text.

    Returns the number of non-blank data lines and the problems found. Chunks go to the
    worker processes (if any) while this process feeds PostgreSQL; results are written in
    file order. ``stop_at_problem`` raises ``_NeedsChecks`` at the first bad line.
    """
    work = partial(
        chunk_process,
        columns=job.columns,
        secrets=job.secrets,
        contexts=job.contexts,
        numbered=numbered,
        suffix=suffix,
    )
    found: list[ImportProblem] = []
    total = 0
    pending: deque[Future[ChunkResult]] = deque()
    live = phase == "read"

    def take(result: ChunkResult) -> None:
        nonlocal total
        total += result.lines
        found.extend(
            ImportProblem(line, col, E(code), msg) for line, col, code, msg in result.problems
        )
        if found and stop_at_problem:
            raise _NeedsChecks
        if result.copy:
            write(result.copy)

    try:
        for first_line, chunk in _chunks(handle, first_line=2):
            if job.workers is None:
                take(work(first_line, chunk))
            else:
                pending.append(job.workers.submit(work, first_line, chunk))
                while len(pending) > 2 * PARALLEL_WORKERS:
                    take(pending.popleft().result())
            read = handle.tell()
            if live and total:
                # Until the file is read, the total is an estimate from the bytes so far.
                job.writer.push_live(processed=total, total=max(total, total * job.size // read))
            job.progress(phase, read, job.size)
        while pending:
            take(pending.popleft().result())
    finally:
        for future in pending:  # left over when the pass stops early (a repeat found)
            future.cancel()
    job.progress(phase, job.size, job.size)
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


def _write_report(report_path: Path, rows: Iterable[Iterable[Any]]) -> None:
    with report_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "column", "code", "message"])
        writer.writerows(rows)


def _write_rejects(cursor: Any, report_path: Path, total: int) -> int:
    """Write every problem to ``report_path`` and drop the rejected lines; how many lines."""
    cursor.execute("SELECT line, col, code, message FROM import_problems ORDER BY line, col")
    _write_report(report_path, cursor)
    cursor.execute("DELETE FROM import_rows WHERE line IN (SELECT line FROM import_problems)")
    cursor.execute("SELECT count(*) FROM import_rows")
    return total - int(cursor.fetchone()[0])


def _insert(cursor: Any, job: _Job) -> int:
    targets = ["iccid", "imsi", "pool_id", "state", "eid", "profile_import_id", "created_at"]
    values = ["r.iccid", "r.imsi", "%s", "%s", "''", "%s", "now()"]
    targets += job.secrets
    values += [f"r.{c}" for c in job.secrets]
    cursor.execute(
        f"INSERT INTO profiles_profile ({', '.join(targets)}) "
        f"SELECT {', '.join(values)} FROM import_rows AS r",
        [job.record.pool_id, ProfileState.AVAILABLE.value, job.record.pk],
    )
    return int(cursor.rowcount)
