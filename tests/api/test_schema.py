"""The OpenAPI schema and its readers, served without any third-party host."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema() -> dict:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                yield path, method, operation


def test_the_schema_is_openapi_3_with_bearer_auth(schema) -> None:
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


def test_every_post_documents_the_idempotency_key_and_its_conflicts(schema) -> None:
    for path, method, operation in _operations(schema):
        if method != "post":
            continue
        names = [p["name"] for p in operation.get("parameters", [])]
        assert "Idempotency-Key" in names, path
        assert {"409", "422"} <= set(operation["responses"]), path


def test_every_operation_documents_its_problem_responses(schema) -> None:
    for path, _, operation in _operations(schema):
        responses = operation["responses"]
        assert {"401", "403", "404", "429"} <= set(responses), path
        problem = responses["401"]["content"]
        assert "application/problem+json" in problem, path


def test_error_codes_are_listed_in_the_problem_schema(schema) -> None:
    codes = set(schema["components"]["schemas"]["ProblemCodeEnum"]["enum"])
    assert {"out_of_stock", "insufficient_balance", "plan_not_allowed"} <= codes
    assert {"invalid_state", "idempotency_conflict"} <= codes


def test_swagger_ui_loads_only_local_assets() -> None:
    page = APIClient().get("/api/v1/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(s.startswith("/") for s in sources), sources


def test_redoc_loads_only_local_assets() -> None:
    page = APIClient().get("/api/v1/docs/redoc/").content.decode()
    sources = re.findall(r'(?:src|href|spec-url)="([^"]+)"', page)
    assert sources
    assert all(s.startswith("/") for s in sources), sources


def test_every_operation_has_a_response_example(schema) -> None:
    """Images (the QR codes) and the bodiless DELETE excepted."""
    missing = []
    for path, method, operation in _operations(schema):
        if method == "delete" or path.endswith((".png", ".svg")):
            continue
        bodies = [
            content
            for code, response in operation["responses"].items()
            if code.startswith("2")
            for content in response.get("content", {}).values()
        ]
        if not any("examples" in body for body in bodies):
            missing.append(f"{method.upper()} {path}")
    assert missing == []


def test_every_operation_with_a_body_has_a_request_example(schema) -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(schema)
        if operation.get("requestBody")
        and not any("examples" in c for c in operation["requestBody"]["content"].values())
    ]
    assert missing == []
