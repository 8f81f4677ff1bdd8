"""Inventory pages: pools with stock and cover, and the CSV import run by a real worker."""

from __future__ import annotations

import stat
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coreesim.staff.choices import Role
from coreesim.staff.models import AuditLog
from profiles.choices import ImportPhase, ImportStatus, ProfileState
from profiles.models import Profile, ProfileImport
from profiles.services import import_queue
from profiles.staff.progress import upload_dir, upload_path
from profiles.staff.tasks import staff_pool_import
from tests.factories.profiles import ProfileFactory, ProfilePoolFactory, iccid_for

pytestmark = pytest.mark.django_db


def _csv(iccids: list[str]) -> SimpleUploadedFile:
    body = "iccid\n" + "".join(f"{i}\n" for i in iccids)
    return SimpleUploadedFile("batch.csv", body.encode(), content_type="text/csv")


def _wait_finished(client, token: str) -> dict:
    # Bounded wait for the worker; the assertion is on the outcome, never on the time taken.
    for _ in range(300):
        data = client.get(f"/staff/inventory/imports/watch/{token}/progress.json").json()
        if data["finished"]:
            return data
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.INVENTORY, 200),
        (Role.SUPPORT, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.FINANCE, 403),
        (Role.ACCOUNT_MANAGER, 403),
    ],
)
def test_pool_list_per_role(make_staff, client_for, role, status):
    assert client_for(make_staff(role)).get("/staff/inventory/").status_code == status


def test_a_pool_below_its_low_water_mark_is_highlighted_first(make_staff, client_for):
    low = ProfilePoolFactory(name="aaa-low", low_water_mark=5)
    ProfileFactory(pool=low)
    full = ProfilePoolFactory(name="bbb-full", low_water_mark=1)
    ProfileFactory.create_batch(3, pool=full)
    response = client_for(make_staff(Role.INVENTORY)).get("/staff/inventory/")
    rows = response.context["rows"]
    assert [(p.name, s.is_low) for p, s in rows] == [("aaa-low", True), ("bbb-full", False)]
    assert b"low stock" in response.content


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FINANCE])
def test_only_inventory_staff_may_import(make_staff, client_for, role):
    pool = ProfilePoolFactory()
    response = client_for(make_staff(role)).post(
        "/staff/inventory/imports/new/", {"pool": pool.pk, "file": _csv([iccid_for(1)])}
    )
    assert response.status_code == 403


@pytest.mark.worker
def test_an_uploaded_csv_is_imported_by_a_worker_with_live_progress(
    celery_worker, make_staff, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    pool = ProfilePoolFactory()
    user = make_staff(Role.INVENTORY)
    client = client_for(user)
    iccids = [iccid_for(n) for n in range(100, 150)]
    response = client.post("/staff/inventory/imports/new/", {"pool": pool.pk, "file": _csv(iccids)})
    assert response.status_code == 302
    token = response["Location"].rstrip("/").split("/")[-1]
    page = client.get(response["Location"])
    assert b"data-progress-url" in page.content
    data = _wait_finished(client, token)
    assert (data["status"], data["percent"], data["errors"]) == (ImportStatus.SUCCEEDED, 100, 0)
    assert Profile.objects.filter(pool=pool, state=ProfileState.AVAILABLE).count() == 50
    result = client.get(data["result_html_url"])
    assert b"Imported</dt><dd>50" in result.content
    assert AuditLog.objects.get(action="inventory.import").actor == user


@pytest.mark.worker
def test_a_refused_file_shows_its_errors_and_a_downloadable_report(
    celery_worker, make_staff, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    pool = ProfilePoolFactory()
    client = client_for(make_staff(Role.INVENTORY))
    bad = iccid_for(7)[:-1] + ("0" if iccid_for(7)[-1] != "0" else "1")
    response = client.post(
        "/staff/inventory/imports/new/", {"pool": pool.pk, "file": _csv([iccid_for(6), bad])}
    )
    data = _wait_finished(client, response["Location"].rstrip("/").split("/")[-1])
    assert data["status"] == ImportStatus.FAILED
    assert not Profile.objects.filter(pool=pool).exists()
    record = ProfileImport.objects.get(pk=data["import_id"])
    report = client.get(f"/staff/inventory/imports/{record.pk}/errors.csv")
    lines = b"".join(report.streaming_content if report.streaming else [report.content]).decode()
    assert lines.splitlines()[0] == "line,column,code,message"
    assert lines.splitlines()[1].startswith("3,ICCID,iccid_invalid,")


def test_an_unknown_import_token_is_404(make_staff, client_for):
    client = client_for(make_staff(Role.INVENTORY))
    assert client.get("/staff/inventory/imports/watch/nope/progress.json").status_code == 404


def test_import_history_lists_imports(make_staff, client_for):
    pool = ProfilePoolFactory()
    ProfileImport.objects.create(pool=pool, filename="x.csv", status=ImportStatus.SUCCEEDED)
    page = client_for(make_staff(Role.SUPPORT)).get("/staff/inventory/imports/")
    assert len(page.context["page"].items) == 1


def _progress(client, token: str) -> dict:
    return client.get(f"/staff/inventory/imports/watch/{token}/progress.json").json()


def test_the_progress_endpoint_reads_the_import_record(make_staff, client_for):
    pool = ProfilePoolFactory()
    client = client_for(make_staff(Role.INVENTORY))
    record = import_queue(pool=pool, path=upload_path("abc123"))

    queued = _progress(client, "abc123")
    assert (queued["status_label"], queued["percent"], queued["finished"]) == (
        "Waiting for a worker",
        0,
        False,
    )

    ProfileImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.RUNNING, phase=ImportPhase.READING, processed=50, total=200
    )
    running = _progress(client, "abc123")
    assert running["status_label"] == "Running · reading and writing lines"
    assert (running["percent"], running["done"], running["total"]) == (22, 50, 200)

    ProfileImport.objects.filter(pk=record.pk).update(phase=ImportPhase.CHECKING)
    assert _progress(client, "abc123")["status_label"] == "Running · finding every problem"


def test_a_second_delivery_of_the_import_task_does_not_import_again(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload_dir().mkdir(parents=True)
    upload_path("t1").write_text(f"iccid\n{iccid_for(1)}\n")
    record = import_queue(pool=ProfilePoolFactory(), path=upload_path("t1"))

    staff_pool_import(import_id=record.pk)
    staff_pool_import(import_id=record.pk)

    record.refresh_from_db()
    assert (record.status, record.imported) == (ImportStatus.SUCCEEDED, 1)
    assert Profile.objects.count() == 1


def _upload(client, pool, iccids: list[str]) -> str:
    response = client.post("/staff/inventory/imports/new/", {"pool": pool.pk, "file": _csv(iccids)})
    assert response.status_code == 302
    return response["Location"].rstrip("/").split("/")[-1]


def test_an_upload_waiting_for_its_import_is_readable_by_our_user_only(
    make_staff, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    token = _upload(client_for(make_staff(Role.INVENTORY)), ProfilePoolFactory(), [iccid_for(1)])

    assert stat.S_IMODE(upload_path(token).stat().st_mode) == 0o600


def test_the_upload_is_deleted_once_its_import_succeeded(
    make_staff, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    token = _upload(client_for(make_staff(Role.INVENTORY)), ProfilePoolFactory(), [iccid_for(1)])
    record = ProfileImport.objects.get(filename=str(upload_path(token)))

    staff_pool_import(import_id=record.pk)

    record.refresh_from_db()
    assert record.status == ImportStatus.SUCCEEDED
    assert not upload_path(token).exists()


def test_the_upload_is_deleted_once_its_import_was_refused(
    make_staff, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    bad = iccid_for(7)[:-1] + ("0" if iccid_for(7)[-1] != "0" else "1")
    token = _upload(client_for(make_staff(Role.INVENTORY)), ProfilePoolFactory(), [bad])
    record = ProfileImport.objects.get(filename=str(upload_path(token)))

    staff_pool_import(import_id=record.pk)

    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED
    assert not upload_path(token).exists()
