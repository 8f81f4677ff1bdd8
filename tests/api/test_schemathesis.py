"""Schemathesis against the live schema: every operation, with a valid key.

Requests go through the real WSGI application (in process, on the test database). Checked: no
5xx, every status code, content type, header and body is the one the schema documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from partners.services import api_key_create
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import PlanFactory

CALLS: list[str] = []  # what actually reached the application
EXAMPLES_PER_OPERATION = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def live_schema(db: None, settings: Any) -> Iterator[schemathesis.BaseSchema]:
    """The schema as the WSGI app serves it. Like Django's test client, keep the test's database
    connection open across requests (the handler would close it at the end of each one)."""
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db: None) -> dict[str, str]:
    partner = PartnerFactory(plans=[PlanFactory()], balance=Decimal("1000.00"))
    _, key = api_key_create(partner=partner)
    return {"Authorization": f"Bearer {key}"}


def test_every_operation_conforms_and_never_fails(live_schema, bearer) -> None:
    failures: dict[str, str] = {}
    operations = [result.ok() for result in live_schema.get_all_operations()]
    assert len(operations) >= 16
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=bearer, checks=CHECKS)
            CALLS.append(case.operation.label)

        try:
            run()
        except Exception as exc:
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert {op.label for op in operations} - set(failures) <= set(CALLS)
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())


def test_invalid_input_never_causes_a_server_error(live_schema, bearer) -> None:
    """Schemathesis' negative mode: malformed paths, queries and bodies get a 4xx problem."""
    failures: dict[str, str] = {}
    for result in live_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=bearer, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
