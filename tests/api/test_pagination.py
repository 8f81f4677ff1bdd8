"""Cursors: only the ones we issue page; any other is 404 "Invalid cursor", never a 500."""

from __future__ import annotations

import base64

import pytest

pytestmark = pytest.mark.django_db

ID_ORDERED = [
    "/api/v1/orders",
    "/api/v1/esims",
    "/api/v1/balance/transactions",
    "/api/v1/webhook-deliveries",
]


def _cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize("path", ID_ORDERED)
@pytest.mark.parametrize("position", ["abc", "1%00", "1" * 5000])
def test_a_cursor_whose_position_is_no_id_is_404(api, path, position) -> None:
    response = api.get(path, {"cursor": _cursor(f"p={position}")})

    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"


@pytest.mark.parametrize("path", ["/api/v1/plans", "/api/v1/countries"])
def test_a_cursor_with_a_nul_byte_is_404_on_lists_in_code_order(api, path) -> None:
    response = api.get(path, {"cursor": _cursor("p=a%00")})

    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"
