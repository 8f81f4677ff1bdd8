"""`manage.py rotate_encryption_keys` on real rows of a real model (SmdpServer)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from coreesim import crypto, rotation
from smdp_client.models import SmdpServer

OLD = crypto.generate_key_spec("old")
NEW = crypto.generate_key_spec("new")


class Interrupted(Exception):
    """Stands for Ctrl-C arriving between two batches."""


def raw_values() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_private_key, inbound_secret FROM smdp_client_smdpserver ORDER BY id"
        )
        return [value for row in cursor.fetchall() for value in row if value is not None]


def create_servers(count: int) -> None:
    for n in range(count):
        SmdpServer.objects.create(
            name=f"smdp-{n}",
            base_url="https://smdp.example.com",
            smdp_address="smdp.example.com",
            requester_id="coreesim",
            client_private_key=f"private-key-{n}",
            inbound_secret=f"inbound-{n}",
        )


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_keys", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_rotation_re_encrypts_every_row_under_the_newest_key():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        create_servers(3)

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        output = rotate("--batch-size", "2")

    assert "re-encrypted 6 value(s)" in output
    assert all(value.startswith("enc1:new:") for value in raw_values())
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        secrets = {s.name: s.inbound_secret.reveal() for s in SmdpServer.objects.all()}
    assert secrets == {"smdp-0": "inbound-0", "smdp-1": "inbound-1", "smdp-2": "inbound-2"}


@pytest.mark.django_db
def test_pending_columns_count_only_rows_on_an_older_key():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        create_servers(2)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        SmdpServer.objects.create(
            name="fresh",
            base_url="https://smdp.example.com",
            smdp_address="smdp.example.com",
            requester_id="coreesim",
            inbound_secret="already-new",
        )
        pending = {work.label: work.remaining for work in rotation.pending_columns()}

    assert pending["smdp_client.smdpserver.client_private_key"] == 2
    assert pending["smdp_client.smdpserver.inbound_secret"] == 2


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_rotation_keeps_its_committed_batches_and_resumes():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        create_servers(3)
    field = SmdpServer._meta.get_field("inbound_secret")

    def stop_after_first_batch(rows: int) -> None:
        raise Interrupted

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        with pytest.raises(Interrupted):
            rotation.rotate_column(field, batch_size=1, on_batch=stop_after_first_batch)
        remaining = {w.label: w.remaining for w in rotation.pending_columns()}
        output = rotate("--batch-size", "1")

    assert remaining["smdp_client.smdpserver.inbound_secret"] == 2
    assert "re-encrypted 5 value(s)" in output
    assert all(value.startswith("enc1:new:") for value in raw_values())


@pytest.mark.django_db
def test_a_second_rotation_has_nothing_left_to_do():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        create_servers(2)

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        rotate()
        output = rotate()

    assert "re-encrypted 0 value(s)" in output


@pytest.mark.django_db
def test_rotation_shows_a_progress_bar_per_column():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        create_servers(2)
    progress = io.StringIO()

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        call_command("rotate_encryption_keys", stdout=io.StringIO(), stderr=progress)

    assert "smdp_client.smdpserver.inbound_secret" in progress.getvalue()
    assert "2/2" in progress.getvalue()


@pytest.mark.django_db
def test_rotation_stops_with_a_clear_error_when_a_value_has_no_configured_key():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        create_servers(1)

    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[NEW]),
        pytest.raises(CommandError, match="'old' is not configured"),
    ):
        rotate()


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        rotate("--batch-size", "0")
