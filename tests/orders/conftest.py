"""The built-in SM-DP+ simulator over real HTTP, and stock to sell from it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django_redis import get_redis_connection

from smdp_client.classification import forget_cached_rules
from smdp_client.simulator.server import Simulator, SimulatorConfig

REQUESTER_ID = "coreesim-test"


class SimControl:
    """Talks to a simulator's /_sim/ control endpoints."""

    def __init__(self, simulator: Simulator, client: httpx.Client) -> None:
        self.simulator = simulator
        self.client = client

    def fault(self, **fault: Any) -> None:
        self.client.post(f"{self.simulator.url}/_sim/faults", json=fault).raise_for_status()

    def configure(self, **settings: Any) -> None:
        self.client.post(f"{self.simulator.url}/_sim/config", json=settings).raise_for_status()

    def state(self, iccid: str) -> str | None:
        response = self.client.get(f"{self.simulator.url}/_sim/profiles/{iccid}")
        return None if response.status_code == 404 else response.json()["state"]


@pytest.fixture(autouse=True)
def _fresh_guard_and_rules() -> Iterator[None]:
    """Circuit breaker state lives in Redis and rules are cached: start every test clean."""
    redis = get_redis_connection("default")
    for key in redis.scan_iter("coreesim:es2:*"):
        redis.delete(key)
    forget_cached_rules()
    yield
    forget_cached_rules()


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    sim = Simulator(SimulatorConfig(seed=11, requester_id=REQUESTER_ID)).start()
    yield sim
    sim.stop()


@pytest.fixture
def sim(simulator: Simulator) -> Iterator[SimControl]:
    with httpx.Client(timeout=10, trust_env=False) as client:
        yield SimControl(simulator, client)
