"""The orders admin shows every model and never an activation code."""

from __future__ import annotations

import pytest
from django.contrib import admin

from orders.models import Esim, EsimReissue, Order, ProvisioningJob, TopUp, UsageEvent, UsageRecord


@pytest.mark.parametrize(
    "model", [Order, Esim, EsimReissue, ProvisioningJob, TopUp, UsageEvent, UsageRecord]
)
def test_every_orders_model_is_in_the_admin_read_only(model, rf) -> None:
    model_admin = admin.site._registry[model]
    request = rf.get("/")

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_esim_admin_never_shows_the_activation_code() -> None:
    model_admin = admin.site._registry[Esim]

    assert "activation_code" not in model_admin.list_display
    assert "activation_code" in model_admin.exclude
