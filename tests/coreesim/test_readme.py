"""README.md stays true: it opens with the two commands and documents every variable we read."""

from __future__ import annotations

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
README = (BASE_DIR / "README.md").read_text()

ENV_READS = [
    re.compile(r"""\benv\.\w+\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
]


def variables_read(path: Path) -> set[str]:
    source = path.read_text()
    return {name for pattern in ENV_READS for name in pattern.findall(source)}


def documented_variables() -> set[str]:
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", README, flags=re.MULTILINE))


def test_the_readme_opens_with_exactly_the_two_commands():
    first_block = README.split("```")[1]

    assert first_block.splitlines()[1:] == ["make run", "make test"]
    assert README.startswith("```")


def test_every_environment_variable_the_settings_read_has_a_row_in_the_readme():
    read = variables_read(BASE_DIR / "coreesim/settings.py") | variables_read(
        BASE_DIR / "coreesim/runtime.py"
    )

    missing = read - documented_variables()

    assert not missing, f"add these to the configuration table in README.md: {sorted(missing)}"


def test_the_scan_sees_the_variables_it_must():
    read = variables_read(BASE_DIR / "coreesim/settings.py")

    assert {"DATABASE_URL", "FIELD_ENCRYPTION_KEYS", "ALLOWED_HOSTS", "SECRET_KEY"} <= read
