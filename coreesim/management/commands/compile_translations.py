from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Compile every locale/*/LC_MESSAGES/*.po into its .mo when the .po is newer. Pure Python, "
        "so `make run` and `make test` need no GNU gettext on the machine (.mo files are not "
        "committed)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for locale_dir in _our_locale_dirs():
            for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                compiled += 1
        if options["verbosity"] > 1 or compiled:
            self.stdout.write(f"compiled {compiled} translation catalogue(s)")


def _our_locale_dirs() -> list[Path]:
    """LOCALE_PATHS plus the locale/ of each of our apps (installed packages ship their .mo)."""
    base = Path(settings.BASE_DIR)
    dirs = [Path(p) for p in settings.LOCALE_PATHS]
    for config in apps.get_app_configs():
        app_dir = Path(config.path)
        ours = app_dir.is_relative_to(base) and "site-packages" not in app_dir.parts
        if ours and (app_dir / "locale").is_dir():
            dirs.append(app_dir / "locale")
    return dirs
