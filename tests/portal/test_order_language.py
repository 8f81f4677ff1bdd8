"""The partner may tell us the traveler's language with the order; the first emails use it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.errors import InvalidLanguage
from orders.models import Order
from orders.portal.choices import EmailKind
from orders.portal.services import traveler_email_queue
from orders.services import order_place
from tests.factories.orders import Stock, make_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock() -> Stock:
    return make_stock(profiles=2, price=Decimal("5.00"), balance=Decimal("50.00"))


def _place(stock: Stock, **extra: str) -> Order:
    return order_place(
        partner=stock.partner,
        plan_code=stock.plan.code,
        quantity=1,
        idempotency_key="lang-1",
        traveler_email="traveler@example.com",
        **extra,
    )


def test_the_ready_email_is_written_in_the_language_given_with_the_order(stock: Stock) -> None:
    esim = _place(stock, traveler_language="fr").esims.get()

    email = traveler_email_queue(esim=esim, kind=EmailKind.ESIM_READY, occasion=esim.iccid)

    assert email is not None
    assert email.language == "fr"


def test_without_a_language_the_ready_email_is_in_the_site_default(stock: Stock) -> None:
    esim = _place(stock).esims.get()

    email = traveler_email_queue(esim=esim, kind=EmailKind.ESIM_READY, occasion=esim.iccid)

    assert email is not None
    assert email.language == "en"


def test_a_language_the_site_does_not_have_is_refused_and_nothing_is_placed(stock: Stock) -> None:
    with pytest.raises(InvalidLanguage, match="en, es, fr, de"):
        _place(stock, traveler_language="xx")

    assert not Order.objects.exists()
