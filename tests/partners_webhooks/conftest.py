from __future__ import annotations

from typing import Any

import pytest

from tests.factories.partners import PartnerFactory


@pytest.fixture
def partner(db: None) -> Any:
    return PartnerFactory(support_email="ops@partner.example")
