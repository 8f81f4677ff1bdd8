"""Re-encrypt every encrypted column under the newest key, in batches, resumably.

Rows already under the primary key are skipped by the query itself, so an interrupted run
simply starts again where it stopped; each batch commits on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from coreesim import crypto
from coreesim.fields import EncryptedTextField, encrypted_fields


@dataclass(frozen=True)
class ColumnWork:
    field: EncryptedTextField
    remaining: int

    @property
    def label(self) -> str:
        return self.field.context


def _pending_sql(field: EncryptedTextField) -> tuple[str, str, str]:
    meta = field.model._meta
    assert meta.pk is not None
    qn = connection.ops.quote_name
    return qn(meta.db_table), qn(str(meta.pk.column)), qn(str(field.column))


def pending_columns() -> list[ColumnWork]:
    """Each encrypted column with the number of rows not yet under the primary key."""
    primary = crypto.keyring().primary_id
    work = []
    for field in encrypted_fields():
        table, _, column = _pending_sql(field)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608
                f"AND {column} NOT LIKE %s",
                [f"{crypto.PREFIX}:{primary}:%"],
            )
            work.append(ColumnWork(field=field, remaining=cursor.fetchone()[0]))
    return work


def rotate_column(
    field: EncryptedTextField,
    *,
    batch_size: int = 1000,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Re-encrypt one column; returns how many values were rewritten."""
    done = 0
    for rows in _batches(field, batch_size):
        with transaction.atomic():
            table, pk, column = _pending_sql(field)
            reencrypted: list[tuple[str, Any]] = [
                (
                    crypto.encrypt(
                        crypto.decrypt(value, context=field.context), context=field.context
                    ),
                    key,
                )
                for key, value in rows
            ]
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                    reencrypted,
                )
        done += len(rows)
        if on_batch:
            on_batch(len(rows))
    return done


def _batches(field: EncryptedTextField, batch_size: int) -> Iterator[list[tuple[Any, str]]]:
    table, pk, column = _pending_sql(field)
    prefix = f"{crypto.PREFIX}:{crypto.keyring().primary_id}:%"
    last = None
    while True:
        params: list[Any] = [prefix]
        after = ""
        if last is not None:
            after = f"AND {pk} > %s "
            params.append(last)
        params.append(batch_size)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608
                f"AND {column} NOT LIKE %s {after}ORDER BY {pk} LIMIT %s",
                params,
            )
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield rows
