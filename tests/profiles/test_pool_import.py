"""pool_import: all or nothing, skip-invalid with a reject report, and every error message."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from profiles.choices import ImportErrorCode, ImportPhase, ImportStatus, ProfileState
from profiles.models import Profile, ProfileImport, ProfilePool
from profiles.selectors import pool_state_counts
from profiles.services.imports import (
    IMPORT_LOCK_SPACE,
    ImportRefused,
    ImportStarted,
    import_queue,
    import_run,
    pool_import,
)
from tests.factories.profiles import ProfileFactory, ProfilePoolFactory, iccid_for

pytestmark = pytest.mark.django_db

A, B, C = iccid_for(1), iccid_for(2), iccid_for(3)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profiles.csv"
    path.write_text(text)
    return path


def refused(pool: ProfilePool, path: Path) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        pool_import(pool=pool, path=path)
    return caught.value


@pytest.fixture
def pool() -> ProfilePool:
    return ProfilePoolFactory()


def test_a_clean_file_is_imported_with_canonical_iccids_and_encrypted_secrets(
    pool: ProfilePool, tmp_path: Path
) -> None:
    path = write(tmp_path, f"ICCID,IMSI,PIN1,PUK1\n{A}F,234150000000001,1234,12345678\n{B},,,\n")

    record = pool_import(pool=pool, path=path)

    assert (record.status, record.total, record.imported, record.rejected) == (
        ImportStatus.SUCCEEDED,
        2,
        2,
        0,
    )
    first = Profile.objects.get(iccid=A)
    assert first.pool == pool
    assert first.state == ProfileState.AVAILABLE
    assert first.imsi == "234150000000001"
    assert first.pin1.reveal() == "1234"
    assert first.puk1.reveal() == "12345678"
    assert first.profile_import == record
    second = Profile.objects.get(iccid=B)
    assert second.pin1 is None
    assert second.imsi == ""


def test_secrets_are_not_stored_in_clear(pool: ProfilePool, tmp_path: Path) -> None:
    pool_import(pool=pool, path=write(tmp_path, f"ICCID,PIN1\n{A},4321\n"))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pin1 FROM profiles_profile WHERE iccid = %s", [A])
        stored = cursor.fetchone()[0]
    assert "4321" not in stored
    assert stored.startswith("enc1:")


def test_one_bad_line_imports_nothing(pool: ProfilePool, tmp_path: Path) -> None:
    wrong_check_digit = B[:-1] + str((int(B[-1]) + 1) % 10)
    path = write(tmp_path, f"ICCID\n{A}\n{wrong_check_digit}\n{C}\n")

    error = refused(pool, path)

    assert error.count == 1
    assert error.problems[0].line == 3
    assert error.problems[0].column == "ICCID"
    assert not Profile.objects.exists()
    record = ProfileImport.objects.get()
    assert record.status == ImportStatus.FAILED
    assert record.error_count == 1
    assert record.errors[0]["line"] == 3


def test_skip_invalid_imports_the_rest_and_reports_rejects(
    pool: ProfilePool, tmp_path: Path
) -> None:
    path = write(tmp_path, f"ICCID,IMSI\n{A},23415\n{B},234150000000002\n{B},\n{C},\n")
    report = tmp_path / "rejects.csv"

    record = pool_import(pool=pool, path=path, skip_invalid=True, report_path=report)

    assert record.status == ImportStatus.PARTIAL
    assert (record.total, record.imported, record.rejected) == (4, 2, 2)
    assert set(Profile.objects.values_list("iccid", flat=True)) == {B, C}
    rows = list(csv.DictReader(report.open()))
    assert [(r["line"], r["column"], r["code"]) for r in rows] == [
        ("2", "IMSI", ImportErrorCode.IMSI_INVALID),
        ("4", "ICCID", ImportErrorCode.ICCID_DUPLICATE_IN_FILE),
    ]
    assert record.report_path == str(report)


def test_blank_lines_are_skipped_but_counted_in_line_numbers(
    pool: ProfilePool, tmp_path: Path
) -> None:
    error = refused(pool, write(tmp_path, f"ICCID\n{A}\n\n12345\n"))
    assert error.problems[0].line == 4


def test_windows_line_endings_and_a_byte_order_mark_are_accepted(
    pool: ProfilePool, tmp_path: Path
) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(f"\ufeffICCID,IMSI\r\n{A},234150000000001\r\n".encode())
    assert pool_import(pool=pool, path=path).imported == 1
    assert Profile.objects.get().imsi == "234150000000001"


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (
            "ICCID\n89882470000000000A1\n",
            ImportErrorCode.ICCID_INVALID,
            "line 2, column ICCID: the ICCID '89882470000000000A1' must contain only digits "
            "(a trailing F is allowed)",
        ),
        (
            "ICCID\n12345\n",
            ImportErrorCode.ICCID_INVALID,
            "line 2, column ICCID: the ICCID '12345' has 5 digits; it must have 19 or 20",
        ),
        (
            "ICCID\n8988247000000000011\n",
            ImportErrorCode.ICCID_INVALID,
            "line 2, column ICCID: the ICCID '8988247000000000011' fails its Luhn check digit "
            "(expected 9 at the end)",
        ),
        (
            "ICCID,IMSI\n,234150000000001\n",
            ImportErrorCode.ICCID_INVALID,
            "line 2, column ICCID: the ICCID is empty",
        ),
        (
            f"ICCID,IMSI\n{A}\n",
            ImportErrorCode.MALFORMED_LINE,
            "line 2: the line has 1 fields; the header has 2",
        ),
        (
            f"ICCID\n{A}\n{A}\n",
            ImportErrorCode.ICCID_DUPLICATE_IN_FILE,
            f"line 3, column ICCID: the ICCID {A} is repeated (first on line 2)",
        ),
        (
            f"ICCID,IMSI\n{A},2341X\n",
            ImportErrorCode.IMSI_INVALID,
            "line 2, column IMSI: the IMSI '2341X' must be 6 to 15 digits",
        ),
        (
            f"ICCID,IMSI\n{A},234150000000001\n{B},234150000000001\n",
            ImportErrorCode.IMSI_DUPLICATE_IN_FILE,
            "line 3, column IMSI: the IMSI 234150000000001 is repeated (first on line 2)",
        ),
        (
            f"ICCID,PIN1\n{A},12\n",
            ImportErrorCode.PIN_INVALID,
            "line 2, column PIN1: the PIN1 must be 4 to 8 digits",
        ),
        (
            f"ICCID,PIN2\n{A},12ab\n",
            ImportErrorCode.PIN_INVALID,
            "line 2, column PIN2: the PIN2 must be 4 to 8 digits",
        ),
        (
            f"ICCID,PUK1\n{A},1234567\n",
            ImportErrorCode.PUK_INVALID,
            "line 2, column PUK1: the PUK1 must be 8 digits",
        ),
        (
            f"ICCID,PUK2\n{A},123456789\n",
            ImportErrorCode.PUK_INVALID,
            "line 2, column PUK2: the PUK2 must be 8 digits",
        ),
        (
            "ICCID,Colour\n",
            ImportErrorCode.UNKNOWN_COLUMN,
            "line 1, column Colour: unknown column 'Colour'; the columns allowed are ICCID, "
            "IMSI, PIN1, PUK1, PIN2, PUK2",
        ),
        (
            "ICCID,imsi,IMSI\n",
            ImportErrorCode.DUPLICATE_COLUMN,
            "line 1, column IMSI: column 'IMSI' appears twice",
        ),
        (
            "IMSI\n234150000000001\n",
            ImportErrorCode.MISSING_ICCID_COLUMN,
            "line 1: the header has no ICCID column",
        ),
        ("", ImportErrorCode.EMPTY_FILE, "file: the file is empty"),
        ("ICCID\n\n", ImportErrorCode.EMPTY_FILE, "file: the file has no data lines"),
    ],
)
def test_every_error_names_its_line_column_and_reason(
    pool: ProfilePool, tmp_path: Path, content: str, code: ImportErrorCode, message: str
) -> None:
    error = refused(pool, write(tmp_path, content))

    assert error.problems[0].code == code
    assert str(error.problems[0]) == message


def test_a_profile_already_in_the_inventory_is_named(pool: ProfilePool, tmp_path: Path) -> None:
    ProfileFactory(iccid=A, imsi="234150000000001")

    error = refused(pool, write(tmp_path, f"ICCID,IMSI\n{A},234150000000001\n"))

    assert [str(p) for p in error.problems] == [
        f"line 2, column ICCID: the ICCID {A} is already in the inventory",
        "line 2, column IMSI: the IMSI 234150000000001 is already in the inventory",
    ]


@pytest.mark.parametrize("column", ["Ki", "OPc", "K4", "OP", "eKi", "KIC"])
def test_network_key_columns_are_refused_with_the_reason(
    pool: ProfilePool, tmp_path: Path, column: str
) -> None:
    error = refused(pool, write(tmp_path, f"ICCID,{column}\n{A},00112233\n"))

    problem = error.problems[0]
    assert problem.code == ImportErrorCode.FORBIDDEN_COLUMN
    assert "belong in the HSS/AuC and in the SM-DP+'s profile package" in problem.message
    assert not Profile.objects.exists()


def test_the_refusal_lists_the_total_count(pool: ProfilePool, tmp_path: Path) -> None:
    error = refused(pool, write(tmp_path, "ICCID\n1\n2\n3\n4\n5\n"))
    assert error.count == 5
    assert str(error).endswith("(and 2 more)")


def test_worker_processes_give_the_same_result_as_inline(
    pool: ProfilePool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from profiles.services import imports

    monkeypatch.setattr(imports, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "CHUNK_BYTES", 64)
    lines = [f"{iccid_for(n)},{1000 + n}" for n in range(40)]
    lines[17] = "123,4567"
    path = write(tmp_path, "ICCID,PIN1\n" + "\n".join(lines) + "\n")

    record = pool_import(pool=pool, path=path, skip_invalid=True)

    assert (record.total, record.imported, record.rejected) == (40, 39, 1)
    assert record.errors[0]["line"] == 19
    assert Profile.objects.get(iccid=iccid_for(39)).pin1.reveal() == "1039"


@pytest.mark.django_db(transaction=True)
def test_a_refused_import_keeps_its_record_outside_the_rolled_back_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from profiles.services import imports

    monkeypatch.setattr(imports, "CHUNK_BYTES", 16)  # progress is written while reading
    pool = ProfilePoolFactory()
    path = write(tmp_path, f"ICCID\n{A}\n{A}\n")

    with pytest.raises(ImportRefused):
        pool_import(pool=pool, path=path)

    record = ProfileImport.objects.get()
    assert record.status == ImportStatus.FAILED
    assert record.total == 2
    assert record.error_count == 1
    assert record.finished_at is not None
    assert not Profile.objects.exists()


def _many_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny chunks, one COPY statement each, in worker processes: a 40-line file behaves like
    a large one."""
    from profiles.services import imports

    monkeypatch.setattr(imports, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "CHUNK_BYTES", 64)
    monkeypatch.setattr(imports, "SEGMENT_CHUNKS", 1)


def test_a_clean_file_goes_straight_in_and_is_counted_in_the_pool_stock(
    pool: ProfilePool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _many_statements(monkeypatch)
    path = write(tmp_path, "ICCID\n" + "".join(f"{iccid_for(n)}\n" for n in range(40)))

    record = pool_import(pool=pool, path=path)

    assert (record.imported, record.phase) == (40, ImportPhase.DONE)
    assert pool_state_counts(pool=pool)["available"] == 40


def test_a_repeat_found_statements_after_the_first_still_names_every_problem(
    pool: ProfilePool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _many_statements(monkeypatch)
    ProfileFactory(iccid=iccid_for(30))
    lines = [iccid_for(n) for n in range(40)]
    lines[35] = "12345"
    path = write(tmp_path, "ICCID\n" + "\n".join(lines) + "\n")

    error = refused(pool, path)

    assert [str(p) for p in error.problems] == [
        f"line 32, column ICCID: the ICCID {iccid_for(30)} is already in the inventory",
        "line 37, column ICCID: the ICCID '12345' has 5 digits; it must have 19 or 20",
    ]
    assert not Profile.objects.filter(pool=pool).exists()
    assert pool_state_counts(pool=pool)["available"] == 0


def test_skip_invalid_leaves_out_repeats_found_by_the_unique_indexes(
    pool: ProfilePool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _many_statements(monkeypatch)
    lines = [iccid_for(n) for n in range(40)]
    lines[38] = lines[2]
    path = write(tmp_path, "ICCID\n" + "\n".join(lines) + "\n")

    record = pool_import(pool=pool, path=path, skip_invalid=True)

    assert (record.imported, record.rejected) == (39, 1)
    assert record.errors[0]["line"] == 40
    assert pool_state_counts(pool=pool)["available"] == 39


def _import_in_thread(
    pool: ProfilePool, path: Path, pause_at: str
) -> tuple[threading.Thread, threading.Event, threading.Event, list[BaseException]]:
    """``pool_import`` in its own thread that waits, at its first ``pause_at`` progress call,
    until the test has looked at the record from its own connection."""
    paused, resume = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase == pause_at and not paused.is_set():
            paused.set()
            resume.wait(timeout=30)

    def run() -> None:
        try:
            pool_import(pool=pool, path=path, progress=progress)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert paused.wait(timeout=30)
    return thread, resume, failures


def _seen_from_outside(what: str, check: Callable[[ProfileImport], bool]) -> ProfileImport:
    # The progress connection writes within moments; bounded wait, no assertion on time.
    for _ in range(100):
        record = ProfileImport.objects.get()
        if check(record):
            return record
        time.sleep(0.05)
    raise AssertionError(f"the import record never showed {what}: {record.__dict__}")


@pytest.mark.django_db(transaction=True)
def test_the_import_record_shows_lines_processed_while_the_import_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from profiles.services import imports

    monkeypatch.setattr(imports, "CHUNK_BYTES", 64)
    pool = ProfilePoolFactory()
    path = write(tmp_path, "ICCID\n" + "".join(f"{iccid_for(n)}\n" for n in range(40)))
    thread, resume, failures = _import_in_thread(pool, path, pause_at="read")

    record = _seen_from_outside("lines processed", lambda r: r.processed > 0)
    assert (record.status, record.phase) == (ImportStatus.RUNNING, ImportPhase.READING)
    assert record.processed <= record.total <= 40  # estimated from the bytes read so far
    assert 0 < record.percent < 100
    assert not Profile.objects.exists()  # the import's transaction is still open
    resume.set()
    thread.join()

    assert failures == []
    record = ProfileImport.objects.get()
    assert (record.status, record.processed, record.total, record.percent) == (
        ImportStatus.SUCCEEDED,
        40,
        40,
        100,
    )


@pytest.mark.django_db(transaction=True)
def test_the_import_record_shows_when_the_file_is_being_checked_for_every_problem(
    tmp_path: Path,
) -> None:
    pool = ProfilePoolFactory()
    path = write(tmp_path, f"ICCID\n{A}\n{B}\n{A}\n")
    thread, resume, failures = _import_in_thread(pool, path, pause_at="check")

    record = _seen_from_outside("the check", lambda r: r.phase == ImportPhase.CHECKING)
    assert record.status == ImportStatus.RUNNING
    resume.set()
    thread.join()

    assert [type(f) for f in failures] == [ImportRefused]
    assert ProfileImport.objects.get().status == ImportStatus.FAILED


def test_a_queued_import_runs_once(pool: ProfilePool, tmp_path: Path) -> None:
    record = import_queue(pool=pool, path=write(tmp_path, f"ICCID\n{A}\n"))
    assert (record.status, record.phase, record.percent) == (
        ImportStatus.PENDING,
        ImportPhase.QUEUED,
        0,
    )

    assert import_run(record=record).imported == 1
    with pytest.raises(ImportStarted):
        import_run(record=record)
    assert Profile.objects.count() == 1


def _other_session() -> Any:
    """A second database session, as another worker process would hold."""
    return connections.create_connection("default")


def test_an_import_left_running_by_a_dead_worker_is_taken_over_from_the_start(
    pool: ProfilePool, tmp_path: Path
) -> None:
    record = import_queue(pool=pool, path=write(tmp_path, f"ICCID\n{A}\n{B}\n"))
    ProfileImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.RUNNING, phase=ImportPhase.CHECKING, processed=1
    )

    finished = import_run(record=record)

    assert (finished.status, finished.imported) == (ImportStatus.SUCCEEDED, 2)
    assert Profile.objects.count() == 2


def test_an_import_a_live_worker_is_running_is_not_started_twice(
    pool: ProfilePool, tmp_path: Path
) -> None:
    record = import_queue(pool=pool, path=write(tmp_path, f"ICCID\n{A}\n"))
    ProfileImport.objects.filter(pk=record.pk).update(status=ImportStatus.RUNNING)
    runner = _other_session()
    try:
        with runner.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [IMPORT_LOCK_SPACE, record.pk])
        with pytest.raises(ImportStarted):
            import_run(record=record)
    finally:
        runner.close()

    assert not Profile.objects.exists()


def test_a_finished_run_lets_go_of_its_lock(pool: ProfilePool, tmp_path: Path) -> None:
    record = pool_import(pool=pool, path=write(tmp_path, f"ICCID\n{A}\n"))
    other = _other_session()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK_SPACE, record.pk])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()
