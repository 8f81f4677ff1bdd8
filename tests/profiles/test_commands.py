"""create_pool and import_profiles: clear errors, non-zero exit on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from profiles.models import Profile, ProfilePool
from tests.factories.profiles import PlanFactory, ProfilePoolFactory, iccid_for
from tests.factories.smdp_client import SmdpServerFactory

pytestmark = pytest.mark.django_db
MANAGE = Path(settings.BASE_DIR) / "manage.py"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_pool_creates_the_pool_with_its_plans() -> None:
    server = SmdpServerFactory(name="smdp-a")
    PlanFactory(code="eu-1gb"), PlanFactory(code="eu-5gb")

    out = run(
        "create_pool",
        "eu-batch-1",
        "--smdp-server",
        "smdp-a",
        "--profile-type",
        "SIM-DATA",
        "--plan",
        "eu-1gb",
        "--plan",
        "eu-5gb",
        "--low-water",
        "50",
    )

    pool = ProfilePool.objects.get(name="eu-batch-1")
    assert pool.smdp_server == server
    assert pool.low_water_mark == 50
    assert sorted(pool.plans.values_list("code", flat=True)) == ["eu-1gb", "eu-5gb"]
    assert "pool 'eu-batch-1' created" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--smdp-server", "nope"], "no SM-DP+ server named 'nope' (known: smdp-a)"),
        (["--smdp-server", "smdp-a", "--plan", "missing"], "unknown plan code(s): missing"),
        (["--smdp-server", "smdp-a", "--low-water", "-1"], "--low-water cannot be negative"),
    ],
)
def test_create_pool_explains_what_is_wrong(args: list[str], message: str) -> None:
    SmdpServerFactory(name="smdp-a")
    PlanFactory(code="eu-1gb")
    base = ["create_pool", "p1", "--profile-type", "T", "--plan", "eu-1gb"]

    with pytest.raises(CommandError) as caught:
        run(*base, *args)
    assert str(caught.value) == message


def test_create_pool_refuses_a_taken_name() -> None:
    ProfilePoolFactory(name="taken")
    with pytest.raises(CommandError, match="a pool named 'taken' already exists"):
        run("create_pool", "taken", "--smdp-server", "x", "--profile-type", "T", "--plan", "p")


def test_import_profiles_imports_and_reports(tmp_path: Path) -> None:
    pool = ProfilePoolFactory(name="batch")
    path = tmp_path / "in.csv"
    path.write_text(f"ICCID\n{iccid_for(1)}\n{iccid_for(2)}\n")

    out = run("import_profiles", str(path), "--pool", "batch", "--no-progress")

    assert "imported 2 profile(s) into 'batch'" in out
    assert Profile.objects.filter(pool=pool).count() == 2


def test_import_profiles_refusal_lists_problems_and_fails(tmp_path: Path) -> None:
    ProfilePoolFactory(name="batch")
    path = tmp_path / "in.csv"
    path.write_text("ICCID,Ki\n")

    with pytest.raises(CommandError, match=r"import refused: 1 problem\(s\); nothing"):
        run("import_profiles", str(path), "--pool", "batch")


def test_import_profiles_skip_invalid_names_the_report(tmp_path: Path) -> None:
    ProfilePoolFactory(name="batch")
    path = tmp_path / "in.csv"
    path.write_text(f"ICCID\n{iccid_for(1)}\n123\n")

    out = run("import_profiles", str(path), "--pool", "batch", "--skip-invalid", "--no-progress")

    assert "imported 1 profile(s)" in out
    assert f"report: {tmp_path / 'in.rejects.csv'}" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--pool", "batch"], "no such file: missing.csv"),
        (["__FILE__", "--pool", "nope"], "no pool named 'nope'"),
    ],
)
def test_import_profiles_explains_bad_arguments(
    tmp_path: Path, args: list[str], message: str
) -> None:
    ProfilePoolFactory(name="batch")
    path = tmp_path / "in.csv"
    path.write_text("ICCID\n")
    with pytest.raises(CommandError) as caught:
        run("import_profiles", *[str(path) if a == "__FILE__" else a for a in args])
    assert str(caught.value) == message


@pytest.mark.django_db(transaction=True)
def test_a_refused_import_exits_non_zero_with_the_reason_on_stderr(tmp_path: Path) -> None:
    ProfilePoolFactory(name="batch")
    path = tmp_path / "in.csv"
    path.write_text("ICCID\n12345\n")
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }

    done = subprocess.run(
        [sys.executable, str(MANAGE), "import_profiles", str(path), "--pool", "batch"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert done.returncode == 1
    assert "line 2, column ICCID: the ICCID '12345' has 5 digits" in done.stderr
    assert "import refused: 1 problem(s); nothing was imported" in done.stderr
