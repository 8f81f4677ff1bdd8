"""Every API error is an RFC 9457 problem document with a stable code, never a stack trace."""

from __future__ import annotations

import pytest
from django.test import Client

from coreesim.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE

AUTH = {"Authorization": "Bearer good-token"}
GOOD_ORDER = {"plan": "eu-5gb", "quantity": 1, "traveler": {"email": "ana@example.com"}}

pytestmark = pytest.mark.urls("tests.coreesim.problem_urls")


def problem(response, status: int, code: str) -> dict:
    """Assert the common shape of a problem document and return it."""
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"{PROBLEM_TYPE_BASE}{code}"
    assert body["title"]
    assert body["detail"]
    return body


def test_a_valid_request_is_not_a_problem(client):
    response = client.post("/api/orders", GOOD_ORDER, content_type="application/json", headers=AUTH)

    assert response.status_code == 201


def test_400_lists_every_invalid_field_with_its_path(client):
    body_in = {"plan": "not a slug!", "quantity": 0, "traveler": {"email": "nope"}}

    response = client.post("/api/orders", body_in, content_type="application/json", headers=AUTH)

    body = problem(response, 400, "validation_error")
    fields = {error["field"]: error for error in body["errors"]}
    assert set(fields) == {"plan", "quantity", "traveler.email"}
    assert fields["quantity"]["code"] == "min_value"
    assert fields["traveler.email"]["code"] == "invalid"
    assert body["instance"] == "/api/orders"


def test_400_names_a_missing_required_field(client):
    response = client.post(
        "/api/orders", {"plan": "eu-5gb"}, content_type="application/json", headers=AUTH
    )

    body = problem(response, 400, "validation_error")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("quantity", "required"),
        ("traveler", "required"),
    }


def test_400_for_a_body_that_is_not_json(client):
    response = client.post(
        "/api/orders", "{not json", content_type="application/json", headers=AUTH
    )

    problem(response, 400, "parse_error")


def test_401_without_credentials_asks_for_them(client):
    response = client.post("/api/orders", GOOD_ORDER, content_type="application/json")

    problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_401_for_an_unknown_key(client):
    response = client.post(
        "/api/orders",
        GOOD_ORDER,
        content_type="application/json",
        headers={"Authorization": "Bearer wrong"},
    )

    body = problem(response, 401, "authentication_failed")
    assert body["detail"] == "Unknown API key."


def test_403_does_not_leak_the_internal_reason(client):
    response = client.get("/api/forbidden")

    body = problem(response, 403, "permission_denied")
    assert "internal reason" not in response.content.decode()
    assert body["detail"] == "You do not have permission to perform this action."


def test_404_from_a_view(client):
    response = client.get("/api/missing")

    problem(response, 404, "not_found")
    assert "internal lookup detail" not in response.content.decode()


def test_404_for_an_api_path_that_does_not_exist(client):
    response = client.get("/api/v9/nothing-here")

    body = problem(response, 404, "not_found")
    assert body["instance"] == "/api/v9/nothing-here"


def test_405_for_a_method_the_endpoint_does_not_accept(client):
    response = client.get("/api/orders", headers=AUTH)

    body = problem(response, 405, "method_not_allowed")
    assert '"GET"' in body["detail"]


def test_409_while_the_same_idempotency_key_is_running(client):
    order = {**GOOD_ORDER, "plan": "busy"}

    response = client.post("/api/orders", order, content_type="application/json", headers=AUTH)

    problem(response, 409, "idempotency_in_progress")


def test_409_domain_errors_carry_their_own_code_and_fields(client):
    order = {**GOOD_ORDER, "plan": "sold-out"}

    response = client.post("/api/orders", order, content_type="application/json", headers=AUTH)

    body = problem(response, 409, "out_of_stock")
    assert body["plan"] == "sold-out"


def test_422_when_an_idempotency_key_is_reused_with_another_body(client):
    order = {**GOOD_ORDER, "plan": "replayed"}

    response = client.post("/api/orders", order, content_type="application/json", headers=AUTH)

    problem(response, 422, "idempotency_conflict")


def test_429_says_when_to_come_back(client):
    response = client.get("/api/throttled")

    problem(response, 429, "throttled")
    assert response["Retry-After"] == "7"


def test_an_unexpected_error_in_an_api_view_is_a_500_problem_without_details(client):
    response = client.get("/api/broken")

    body = problem(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["detail"] == "An internal error occurred; it has been logged."


def test_an_unexpected_error_in_a_plain_view_under_api_is_a_500_problem():
    client = Client(raise_request_exception=False)

    response = client.get("/api/plain-broken")

    problem(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()


def test_pages_outside_the_api_keep_the_html_error_page():
    client = Client(raise_request_exception=False)

    response = client.get("/pages/plain-broken")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert "hunter2" not in response.content.decode()


def test_an_html_404_outside_the_api(client):
    response = client.get("/pages/nothing-here")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("coreesim.urls")
def test_the_real_urlconf_answers_unknown_api_paths_with_problem_json(client):
    response = client.get("/api/v1/no-such-endpoint-anywhere")

    problem(response, 404, "not_found")
