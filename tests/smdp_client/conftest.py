"""The built-in SM-DP+ simulator over real HTTP on a free port, and a server record for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django_redis import get_redis_connection

from smdp_client.classification import forget_cached_rules
from smdp_client.simulator.server import Simulator, SimulatorConfig
from tests.factories.smdp_client import SmdpServerFactory


class SimControl:
    """Talks to a simulator's /_sim/ control endpoints."""

    def __init__(self, simulator: Simulator, client: httpx.Client) -> None:
        self.simulator = simulator
        self.client = client

    @property
    def url(self) -> str:
        return self.simulator.url

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.client.post(f"{self.url}/_sim/{path}", json=body)
        response.raise_for_status()
        return response.json()

    def fault(self, **fault: Any) -> None:
        self.post("faults", fault)

    def profile(self, iccid: str) -> dict[str, Any] | None:
        response = self.client.get(f"{self.url}/_sim/profiles/{iccid}")
        return None if response.status_code == 404 else response.json()

    def state(self, iccid: str) -> str | None:
        profile = self.profile(iccid)
        return None if profile is None else profile["state"]

    def set_profile(self, iccid: str, **fields: Any) -> dict[str, Any]:
        return self.post("profiles", {"iccid": iccid, **fields})

    def requests(self) -> list[dict[str, Any]]:
        return self.client.get(f"{self.url}/_sim/requests").json()

    def configure(self, **settings: Any) -> None:
        self.post("config", settings)


@pytest.fixture(autouse=True)
def _fresh_guard_and_rules() -> Iterator[None]:
    """Breaker state lives in Redis and rules are cached per process: start every test clean."""
    redis = get_redis_connection("default")
    for key in redis.scan_iter("coreesim:es2:*"):
        redis.delete(key)
    forget_cached_rules()
    yield
    forget_cached_rules()


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    sim = Simulator(SimulatorConfig(seed=7, requester_id="coreesim-test")).start()
    yield sim
    sim.stop()


@pytest.fixture
def sim(simulator: Simulator) -> Iterator[SimControl]:
    with httpx.Client(timeout=10, trust_env=False) as client:
        yield SimControl(simulator, client)


@pytest.fixture
def server(db: None, simulator: Simulator):
    return SmdpServerFactory(base_url=simulator.url)
