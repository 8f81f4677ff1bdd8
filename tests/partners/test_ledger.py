"""The balance: the ledger's sum, kept by the database as entries are posted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from partners.choices import LedgerKind
from partners.models import LedgerEntry, Partner, PartnerBalance
from partners.selectors import partner_balance
from partners.services import InsufficientBalance, ledger_credit, ledger_debit
from tests.factories.partners import PartnerFactory

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)


def _ledger_sum(partner: Partner) -> Decimal:
    total = LedgerEntry.objects.filter(partner=partner).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


@pytest.mark.django_db
def test_a_partner_without_entries_has_a_zero_balance() -> None:
    assert partner_balance(partner=PartnerFactory()) == Decimal("0.00")


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(postings=st.lists(st.tuples(st.booleans(), amounts), min_size=1, max_size=12))
def test_the_balance_is_always_the_sum_of_the_ledger(postings) -> None:
    partner = PartnerFactory(credit_limit=Decimal("10000"))
    for number, (is_credit, amount) in enumerate(postings):
        post = ledger_credit if is_credit else ledger_debit
        kind = LedgerKind.TOPUP if is_credit else LedgerKind.ORDER_DEBIT
        post(partner=partner, amount=amount, kind=kind, reference=f"r{number}")

    assert partner_balance(partner=partner) == _ledger_sum(partner)


@pytest.mark.django_db
@pytest.mark.parametrize("post", [ledger_debit, ledger_credit])
def test_a_zero_amount_moves_nothing_and_posts_no_entry(post) -> None:
    partner = PartnerFactory()

    assert post(partner=partner, amount=Decimal("0"), reference="free") is None
    assert not LedgerEntry.objects.filter(partner=partner).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("post", [ledger_debit, ledger_credit])
def test_a_negative_amount_is_a_bug(post) -> None:
    with pytest.raises(ValueError, match="negative"):
        post(partner=PartnerFactory(), amount=Decimal("-1"), reference="r")


@pytest.mark.django_db
def test_a_repeated_reference_changes_the_balance_once() -> None:
    partner = PartnerFactory()
    for _ in range(2):
        ledger_credit(partner=partner, amount=Decimal("5"), kind=LedgerKind.TOPUP, reference="t1")

    assert partner_balance(partner=partner) == Decimal("5.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE partners_partnerbalance SET amount = 1000000",
        "DELETE FROM partners_partnerbalance",
        "INSERT INTO partners_partnerbalance (partner_id, amount) VALUES ({other}, 50)",
    ],
)
def test_the_database_refuses_any_write_to_a_balance_but_the_ledgers(statement: str) -> None:
    partner = PartnerFactory()
    other = PartnerFactory()
    ledger_credit(partner=partner, amount=Decimal("5"), kind=LedgerKind.TOPUP, reference="t1")

    with (
        pytest.raises(DatabaseError, match="post a ledger entry"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(other=other.pk))

    assert PartnerBalance.objects.get(partner=partner).amount == Decimal("5.00")


@pytest.mark.django_db(transaction=True)
def test_parallel_debits_never_overspend_and_the_balance_stays_the_sum() -> None:
    partner = PartnerFactory()
    ledger_credit(partner=partner, amount=Decimal("100"), kind=LedgerKind.TOPUP, reference="t")

    def debit(number: int) -> bool:
        try:
            ledger_debit(partner=partner, amount=Decimal("7"), reference=f"order:{number}")
        except InsufficientBalance:
            return False
        finally:
            connection.close()
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        accepted = sum(pool.map(debit, range(30)))

    assert accepted == 14
    assert partner_balance(partner=partner) == Decimal("2.00") == _ledger_sum(partner)
