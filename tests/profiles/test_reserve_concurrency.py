"""Concurrent reservations on the real database never hand out the same profile twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction

from profiles.services import profile_reserve_available
from tests.factories.profiles import ProfileFactory, ProfilePoolFactory


@pytest.mark.django_db(transaction=True)
def test_parallel_reservations_skip_locked_rows_and_never_share_a_profile() -> None:
    pool = ProfilePoolFactory()
    ProfileFactory.create_batch(20, pool=pool)
    taken: list[list[int]] = []
    barrier = threading.Barrier(4)
    lock = threading.Lock()

    def reserve() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                got = profile_reserve_available(pool_ids=[pool.pk], quantity=6)
                with lock:
                    taken.append([p.pk for p in got])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reserve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [pk for batch in taken for pk in batch]
    assert len(every) == len(set(every)) == 20
