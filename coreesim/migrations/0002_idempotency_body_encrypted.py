"""Stored answers of idempotent POSTs are encrypted like every other secret.

The answers already stored (at most a day's worth) are encrypted in place, so a retry within
their lifetime still gets its answer instead of running the request again.
"""

from typing import Any

from django.db import migrations

import coreesim.fields
from coreesim import crypto

CONTEXT = "coreesim.idempotencyrecord.response_body"


def encrypt_stored_answers(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, response_body FROM coreesim_idempotencyrecord "
            "WHERE response_body IS NOT NULL AND response_body NOT LIKE %s",
            [f"{crypto.PREFIX}:%"],
        )
        for pk, body in cursor.fetchall():
            cursor.execute(
                "UPDATE coreesim_idempotencyrecord SET response_body = %s WHERE id = %s",
                [crypto.encrypt(body, context=CONTEXT), pk],
            )


def decrypt_stored_answers(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, response_body FROM coreesim_idempotencyrecord WHERE response_body LIKE %s",
            [f"{crypto.PREFIX}:%"],
        )
        for pk, token in cursor.fetchall():
            cursor.execute(
                "UPDATE coreesim_idempotencyrecord SET response_body = %s WHERE id = %s",
                [crypto.decrypt(token, context=CONTEXT), pk],
            )
        cursor.execute(
            "UPDATE coreesim_idempotencyrecord SET response_body = '' WHERE response_body IS NULL"
        )


class Migration(migrations.Migration):
    dependencies = [("coreesim", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="response_body",
            field=coreesim.fields.EncryptedTextField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(encrypt_stored_answers, decrypt_stored_answers),
    ]
