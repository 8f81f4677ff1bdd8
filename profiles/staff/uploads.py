"""The stored copy of a staff upload: readable by our own user only, kept only while needed.

The vendor's file holds PIN/PUK in plain text (the import encrypts them as it writes the
profiles), so the copy is created with mode 0600 and deleted as soon as its import has
finished, whatever the outcome. While the import is pending or running the copy stays: the
resume sweep (``staff_pool_imports_resume``) hands it to a worker again if one was lost.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

from profiles.models import ProfileImport
from profiles.staff.progress import upload_dir, upload_path


def upload_store(chunks: Iterable[bytes]) -> str:
    """Write the upload under a fresh token, readable by this process's user only; the token."""
    token = uuid.uuid4().hex
    upload_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(upload_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return token


def upload_discard(*, import_id: int) -> None:
    """Delete the stored upload of a finished staff import.

    Imports of files elsewhere (``manage.py pool_import`` reads the operator's own file) are
    left alone, and so is an upload whose import may still run.
    """
    record = ProfileImport.objects.filter(pk=import_id).only("filename", "status").first()
    if record is None or not record.finished:
        return
    path = Path(record.filename)
    if path.parent == upload_dir():
        path.unlink(missing_ok=True)
