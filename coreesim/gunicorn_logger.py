"""gunicorn's access log without the secrets a URL can carry.

A traveler's page link (``/esim/<token>/``) grants access to their eSIM, and it arrives in the
request line, the path and the ``Referer`` of every asset that page loads. The access log is
written by gunicorn, not through Django's logging, so it gets the same redaction here.
Used with ``gunicorn --logger-class coreesim.gunicorn_logger.RedactingLogger``.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from coreesim.logging import redact_text

REDACTED_ATOMS = ("r", "U", "q", "f", "{referer}i", "{raw_uri}e", "{path_info}e")


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for name in REDACTED_ATOMS:
            value = atoms.get(name)
            if isinstance(value, str):
                atoms[name] = redact_text(value)
        return atoms
