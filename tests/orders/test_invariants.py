"""Invariants on the real database and a real worker: no profile sold twice, no order lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections
from django.utils import timezone

from coreesim.celery import app as celery_app
from coreesim.runtime import BASE_DIR
from coreesim.secrets import reveal
from orders.activation import activation_code_parse
from orders.choices import EsimStatus, JobStatus, OrderStatus
from orders.errors import OutOfStock
from orders.models import Esim, Order, ProvisioningJob
from orders.services import order_place, outbox_resend
from partners.services import partner_balance
from profiles.choices import ProfileState
from profiles.models import Profile
from smdp_client.models import Es2Call, Es2Notification
from tests.factories.orders import make_stock

PARALLEL_CALLS = 200
PROFILES = 100
WAIT_SECONDS = 60


def _wait_for(condition: Callable[[], bool]) -> None:
    """Poll until ``condition`` holds; fails (not a speed assertion) only if it never does."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_200_parallel_orders_for_100_profiles_sell_each_profile_exactly_once() -> None:
    stock = make_stock(profiles=PROFILES, price=Decimal("2.00"), balance=Decimal("1000.00"))

    def place(n: int) -> str:
        try:
            order_place(
                partner=stock.partner,
                plan_code=stock.plan.code,
                quantity=1,
                idempotency_key=f"parallel-{n}",
            )
            return "ok"
        except OutOfStock:
            return "out_of_stock"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = Counter(pool.map(place, range(PARALLEL_CALLS)))

    assert outcomes == {"ok": PROFILES, "out_of_stock": PARALLEL_CALLS - PROFILES}
    assert Order.objects.count() == PROFILES
    assert partner_balance(partner=stock.partner) == Decimal("1000.00") - PROFILES * Decimal("2.00")
    profile_ids = list(Esim.objects.values_list("profile_id", flat=True))
    assert len(profile_ids) == len(set(profile_ids)) == PROFILES
    assert Profile.objects.filter(state=ProfileState.RESERVED).count() == PROFILES
    assert not Profile.objects.filter(state=ProfileState.AVAILABLE).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_committed_order_is_provisioned_by_the_worker(celery_worker, simulator) -> None:
    stock = make_stock(
        profiles=2, price=Decimal("5.00"), balance=Decimal("50.00"), smdp_url=simulator.url
    )

    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=2, idempotency_key="w1"
    )

    _wait_for(lambda: ProvisioningJob.objects.get(order=order).status == JobStatus.DONE)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
    assert set(order.esims.values_list("status", flat=True)) == {EsimStatus.RELEASED}


@contextmanager
def _broker_unreachable() -> Iterator[None]:
    """Point the producer side of the Celery app at a port where no broker listens."""
    real = celery_app.conf.broker_url

    def reset_pools() -> None:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reset_pools()
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    try:
        yield
    finally:
        celery_app.conf.broker_url = real
        reset_pools()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_order_accepted_while_the_broker_is_down_is_provisioned_once_it_is_back(
    simulator,
) -> None:
    stock = make_stock(
        profiles=1, price=Decimal("5.00"), balance=Decimal("50.00"), smdp_url=simulator.url
    )
    with _broker_unreachable():
        order = order_place(
            partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="b1"
        )
    job = ProvisioningJob.objects.get(order=order)
    assert job.status == JobStatus.PENDING
    assert job.sends == 1

    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert outbox_resend(now=timezone.now() + timedelta(minutes=2)) == 1
        _wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_work_left_by_a_dead_worker_is_finished_without_a_second_reservation(
    celery_worker, simulator
) -> None:
    stock = make_stock(
        profiles=3, price=Decimal("5.00"), balance=Decimal("50.00"), smdp_url=simulator.url
    )
    with _broker_unreachable():
        order = order_place(
            partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="d1"
        )
    esim = order.esims.get()
    # What a worker killed mid-call leaves: a lease that ran out and a job still pending.
    Esim.objects.filter(pk=esim.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1), attempts=1
    )

    outbox_resend(now=timezone.now() + timedelta(minutes=2))

    _wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED)
    esim.refresh_from_db()
    assert esim.status == EsimStatus.RELEASED
    assert Esim.objects.count() == 1
    assert Profile.objects.filter(state=ProfileState.RESERVED).count() == 0
    assert Profile.objects.filter(state=ProfileState.AVAILABLE).count() == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_order_becomes_an_installed_esim_end_to_end_over_http(
    celery_worker, live_server, simulator, sim
) -> None:
    stock = make_stock(
        profiles=1, price=Decimal("5.00"), balance=Decimal("50.00"), smdp_url=simulator.url
    )
    sim.configure(
        notify_url=f"{live_server.url}/gsma/rsp2/es2plus/handleDownloadProgressInfo",
        notify_secret=reveal(stock.server.inbound_secret),
        device_delay_ms=50,
    )

    order = order_place(
        partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="e2e"
    )

    _wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED)
    esim = order.esims.get()
    code = activation_code_parse(esim.activation_code.reveal())
    assert code.smdp_address == stock.server.smdp_address
    _wait_for(lambda: stock.profile_state(esim.iccid) == ProfileState.INSTALLED)
    points = Es2Notification.objects.filter(iccid=esim.iccid).values_list(
        "notification_point_id", flat=True
    )
    assert sorted(points) == [3, 4]
    _wait_for(lambda: Esim.objects.get(pk=esim.pk).activated_at is not None)
    esim.refresh_from_db()
    assert len(esim.eid) == 32
    assert esim.eid == Profile.objects.get(iccid=esim.iccid).eid
    assert sim.state(esim.iccid) == "Installed"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_call_leaves_work_that_is_finished_without_a_second_reservation(
    simulator, sim
) -> None:
    stock = make_stock(
        profiles=3, price=Decimal("5.00"), balance=Decimal("50.00"), smdp_url=simulator.url
    )
    sim.fault(function="confirmOrder", action="hang", seconds=30)
    database = connections["default"].settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "ORDERS_LEASE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(BASE_DIR),
    }
    celery_app.control.purge()
    command = [str(Path(sys.executable).parent / "celery"), "-A", "coreesim", "worker"]
    command += ["--pool", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(command, env=env, cwd=BASE_DIR, start_new_session=True)
    try:
        order = order_place(
            partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="kill"
        )
        _wait_for(lambda: Es2Call.objects.filter(function="confirmOrder").exists())
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    esim = order.esims.get()
    assert esim.status == EsimStatus.PROVISIONING
    _wait_for(lambda: Esim.objects.get(pk=esim.pk).lease_until < timezone.now())

    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        outbox_resend(now=timezone.now() + timedelta(minutes=15))
        _wait_for(lambda: ProvisioningJob.objects.get(order=order).status == JobStatus.DONE)

    esim.refresh_from_db()
    assert esim.status == EsimStatus.RELEASED
    assert Esim.objects.count() == 1
    assert Profile.objects.filter(state=ProfileState.RELEASED).count() == 1
    assert Profile.objects.filter(state=ProfileState.AVAILABLE).count() == 2
    assert Es2Call.objects.filter(function="downloadOrder").count() == 1
    assert sim.state(esim.iccid) == "Released"
