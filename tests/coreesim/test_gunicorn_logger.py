"""gunicorn's access log never carries a traveler's page token."""

from __future__ import annotations

import datetime
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config

from coreesim.gunicorn_logger import RedactingLogger

TOKEN = "-7DYTBJ_aejzSEZwtazrz_8G5oOfhkYsfhc6tG34G7E"
PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"


def _access_atoms(path: str, referer: str = "-") -> dict:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    logger = RedactingLogger(Config())
    return logger.atoms(response, request, environ, datetime.timedelta(milliseconds=3))


def test_the_request_line_and_path_lose_the_token() -> None:
    atoms = _access_atoms(f"/esim/{TOKEN}/?lang=de")

    assert TOKEN not in atoms["r"]
    assert TOKEN not in atoms["U"]
    assert atoms["r"] == "GET /esim/[redacted]/?lang=de HTTP/1.1"


def test_the_referrer_of_the_pages_assets_loses_the_token() -> None:
    atoms = _access_atoms("/static/portal.css", referer=f"https://x.test/esim/{TOKEN}/")

    assert TOKEN not in atoms["f"]
    assert TOKEN not in atoms["{referer}i"]


def test_other_paths_are_logged_as_they_are() -> None:
    assert _access_atoms("/esim/find/")["r"] == "GET /esim/find/ HTTP/1.1"


def test_make_run_serves_with_the_redacting_access_log() -> None:
    web = next(line for line in PROCFILE.read_text().splitlines() if line.startswith("web:"))

    assert "--logger-class coreesim.gunicorn_logger.RedactingLogger" in web
