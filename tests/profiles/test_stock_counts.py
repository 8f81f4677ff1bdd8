"""Per-pool per-state counts kept by the database, and the pool's existence they guarantee."""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Count

from profiles.choices import EventSource, ProfileState
from profiles.models import PoolStateCount, Profile, ProfilePool
from profiles.selectors import pool_state_counts, pool_stock_list
from profiles.services import (
    pool_state_counts_fold,
    profile_reserve_available,
    profile_transition,
)
from tests.factories.profiles import ProfileFactory, ProfilePoolFactory, iccid_for

S = ProfileState


def counted() -> dict[tuple[int, str], int]:
    """What the count rows say, zero sums left out."""
    sums: dict[tuple[int, str], int] = {}
    for pool_id, state, delta in PoolStateCount.objects.values_list("pool_id", "state", "delta"):
        sums[(pool_id, state)] = sums.get((pool_id, state), 0) + delta
    return {key: n for key, n in sums.items() if n}


def actual() -> dict[tuple[int, str], int]:
    """What counting the profiles says."""
    rows = Profile.objects.values_list("pool_id", "state").annotate(n=Count("id"))
    return {(pool_id, state): n for pool_id, state, n in rows}


def immediate_constraints() -> None:
    # The foreign keys are checked at commit; a test transaction never commits.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def other_connection() -> psycopg.Connection:
    """A connection of its own, outside Django's, for a second concurrent transaction."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
    )


@pytest.mark.django_db
def test_every_kind_of_write_is_counted() -> None:
    pool, other = ProfilePoolFactory(), ProfilePoolFactory()
    profiles = ProfileFactory.create_batch(5, pool=pool)
    ProfileFactory.create_batch(2, pool=other)
    profile_reserve_available(pool_ids=[pool.pk], quantity=2)
    profile_transition(profile=profiles[4], to_state=S.RETIRED, source=EventSource.STAFF)
    Profile.objects.filter(pk=profiles[3].pk).update(pool=other)
    Profile.objects.filter(pk=profiles[2].pk).update(eid="8904" + "0" * 28)
    Profile.objects.filter(pool=other, state=S.AVAILABLE).delete()

    assert (
        counted()
        == actual()
        == {(pool.pk, S.RESERVED): 2, (pool.pk, S.AVAILABLE): 1, (pool.pk, S.RETIRED): 1}
    )


@pytest.mark.django_db
def test_the_selectors_read_the_counts() -> None:
    pool = ProfilePoolFactory(low_water_mark=3)
    ProfileFactory.create_batch(4, pool=pool)
    profile_reserve_available(pool_ids=[pool.pk], quantity=1)

    assert pool_state_counts(pool=pool)["available"] == 3
    assert pool_state_counts(pool=pool)["reserved"] == 1
    [(listed, stock)] = pool_stock_list()
    assert (listed, stock.available, stock.sold_in_window, stock.is_low) == (pool, 3, 1, False)


@pytest.mark.django_db
def test_a_pool_without_profiles_is_listed_with_nothing_in_stock() -> None:
    pool = ProfilePoolFactory()

    [(listed, stock)] = pool_stock_list()

    assert (listed, stock.available, stock.sold_in_window) == (pool, 0, 0)


@pytest.mark.django_db
def test_folding_keeps_the_sums_in_one_row_per_pool_and_state() -> None:
    pool = ProfilePoolFactory()
    for _ in range(3):
        ProfileFactory(pool=pool)
    profile_reserve_available(pool_ids=[pool.pk], quantity=1)
    Profile.objects.filter(pool=pool, state=S.RESERVED).update(state=S.AVAILABLE)
    rows_before = PoolStateCount.objects.count()

    folded = pool_state_counts_fold()

    assert folded == rows_before - 1
    assert list(PoolStateCount.objects.values_list("pool_id", "state", "delta")) == [
        (pool.pk, S.AVAILABLE, 3)
    ]


@pytest.mark.django_db
def test_a_profile_cannot_be_put_in_a_pool_that_does_not_exist() -> None:
    immediate_constraints()
    missing = ProfilePool.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.create(iccid=iccid_for(1), pool_id=missing + 1000)
    profile = ProfileFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.filter(pk=profile.pk).update(pool_id=missing + 1000)


@pytest.mark.django_db
def test_a_pool_that_holds_profiles_cannot_be_deleted_even_in_sql() -> None:
    pool = ProfilePoolFactory(name="full")
    ProfileFactory(pool=pool)

    with (
        pytest.raises(IntegrityError, match='pool "full" still holds 1 profile'),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM profiles_profilepool WHERE id = %s", [pool.pk])
    assert ProfilePool.objects.filter(pk=pool.pk).exists()


@pytest.mark.django_db
def test_an_emptied_pool_can_be_deleted_and_its_counts_go_with_it() -> None:
    pool = ProfilePoolFactory()
    ProfileFactory(pool=pool)
    Profile.objects.filter(pool=pool).delete()

    pool.delete()

    assert not PoolStateCount.objects.exists()


def _in_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    failures: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


@pytest.mark.django_db(transaction=True)
def test_counts_stay_exact_under_parallel_reservations_returns_and_folds() -> None:
    pool = ProfilePoolFactory()
    ProfileFactory.create_batch(60, pool=pool)

    def work(index: int) -> None:
        for round_ in range(5):
            if index == 0:
                pool_state_counts_fold()
                continue
            with transaction.atomic():
                taken = profile_reserve_available(pool_ids=[pool.pk], quantity=2)
                if round_ % 2:
                    # Half the orders fail after reserving: their reservation rolls back.
                    transaction.set_rollback(True)
                elif taken:
                    Profile.objects.filter(pk=taken[0].pk).update(state=S.AVAILABLE)

    assert _in_threads(4, work) == []
    pool_state_counts_fold()
    assert counted() == actual()
    assert sum(counted().values()) == 60
    assert PoolStateCount.objects.count() == len(actual())


@pytest.mark.django_db(transaction=True)
def test_an_open_reservation_is_counted_only_once_it_commits() -> None:
    pool = ProfilePoolFactory()
    ProfileFactory.create_batch(3, pool=pool)
    with other_connection() as other:
        other.execute(
            "UPDATE profiles_profile SET state = 'reserved' WHERE id = "
            "(SELECT min(id) FROM profiles_profile WHERE pool_id = %s)",
            [pool.pk],
        )
        assert pool_state_counts(pool=pool)["available"] == 3
        other.commit()
    assert pool_state_counts(pool=pool)["available"] == 2
    assert pool_state_counts(pool=pool)["reserved"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_open_reservations_in_one_pool_never_wait_for_each_other() -> None:
    pool = ProfilePoolFactory()
    ProfileFactory.create_batch(2, pool=pool)
    reserve_one = (
        "UPDATE profiles_profile SET state = 'reserved' WHERE id = (SELECT id FROM "
        "profiles_profile WHERE pool_id = %s AND state = 'available' ORDER BY id LIMIT 1 "
        "FOR UPDATE SKIP LOCKED)"
    )
    with other_connection() as first, other_connection() as second:
        first.execute(reserve_one, [pool.pk])  # and stays open
        second.execute("SET lock_timeout = '2s'")
        second.execute(reserve_one, [pool.pk])
        second.commit()
        first.commit()
    assert pool_state_counts(pool=pool)["reserved"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_pool_cannot_be_deleted_once_profiles_arrived_in_it_meanwhile() -> None:
    pool = ProfilePoolFactory(name="busy")
    with other_connection() as deleter, other_connection() as importer:
        deleter.execute("SELECT count(*) FROM profiles_profilepool")
        _add_profile(importer, pool)
        importer.commit()
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match='"busy" still holds 1'):
            deleter.execute("DELETE FROM profiles_profilepool WHERE id = %s", [pool.pk])
    assert counted() == actual() == {(pool.pk, S.AVAILABLE): 1}


@pytest.mark.django_db(transaction=True)
def test_a_repeatable_read_snapshot_older_than_the_profiles_cannot_delete_their_pool() -> None:
    pool = ProfilePoolFactory()
    with other_connection() as deleter, other_connection() as importer:
        deleter.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        deleter.execute("SELECT count(*) FROM profiles_profilepool")  # its snapshot starts here
        _add_profile(importer, pool)
        importer.commit()
        # Its snapshot shows no profile, so the delete itself passes; the foreign key of the
        # count row checks against the latest data at commit.
        deleter.execute("DELETE FROM profiles_profilepool WHERE id = %s", [pool.pk])
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            deleter.commit()
    assert ProfilePool.objects.filter(pk=pool.pk).exists()
    assert counted() == actual() == {(pool.pk, S.AVAILABLE): 1}


def _add_profile(conn: psycopg.Connection, pool: ProfilePool) -> None:
    conn.execute(
        "INSERT INTO profiles_profile (iccid, imsi, pool_id, state, eid, created_at) "
        "VALUES (%s, '', %s, 'available', '', now())",
        [iccid_for(9), pool.pk],
    )


@pytest.mark.django_db(transaction=True)
def test_profiles_added_to_a_pool_deleted_before_they_commit_are_refused() -> None:
    pool = ProfilePoolFactory()
    with other_connection() as importer:
        _add_profile(importer, pool)
        ProfilePool.objects.filter(pk=pool.pk).delete()
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            importer.commit()
    assert not Profile.objects.exists()
    assert counted() == {}
