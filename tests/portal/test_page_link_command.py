import io

import pytest
from django.core.management import CommandError, call_command

from coreesim.staff.models import AuditLog

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("portal_link", *args, stdout=out)
    return out.getvalue()


def test_prints_the_page_link_of_an_esim(ready_esim):
    assert ready_esim.path in _run(ready_esim.esim.iccid)


def test_rotate_replaces_the_link_and_audits_it(client, ready_esim):
    output = _run(ready_esim.esim.iccid, "--rotate")
    assert ready_esim.path not in output
    assert client.get(ready_esim.path).status_code == 404
    assert AuditLog.objects.filter(action="esim.page_link_rotated").count() == 1


def test_unknown_iccid_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no eSIM with ICCID 000"):
        _run("000")
