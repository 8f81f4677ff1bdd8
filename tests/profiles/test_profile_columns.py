"""What the database itself holds a profile's ICCID and IMSI to, whatever code writes them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from profiles.models import Profile
from tests.factories.profiles import ProfileFactory, iccid_for


@pytest.mark.django_db
@pytest.mark.parametrize(
    "iccid",
    ["894400000000000000", "8944000000000000001F", "89440000000000 0001", "८९४४०००००००००००००००१"],
    ids=["18 digits", "F padding", "a space", "non-ASCII digits"],
)
def test_the_database_refuses_an_iccid_that_is_not_canonical(iccid: str) -> None:
    profile = ProfileFactory()

    with pytest.raises(IntegrityError, match="profile_iccid_canonical"), transaction.atomic():
        Profile.objects.filter(pk=profile.pk).update(iccid=iccid)


@pytest.mark.django_db
@pytest.mark.parametrize("length", [19, 20])
def test_the_database_accepts_19_and_20_digit_iccids(length: int) -> None:
    profile = ProfileFactory()
    iccid = "8944" + "0" * (length - 5) + "1"

    Profile.objects.filter(pk=profile.pk).update(iccid=iccid)

    assert Profile.objects.get(pk=profile.pk).iccid == iccid


@pytest.mark.django_db
def test_two_profiles_cannot_share_an_iccid() -> None:
    ProfileFactory(iccid=iccid_for(7))

    with pytest.raises(IntegrityError, match="profile_unique_iccid"), transaction.atomic():
        ProfileFactory(iccid=iccid_for(7))


@pytest.mark.django_db
def test_an_iccid_prefix_search_is_answered_from_the_unique_index() -> None:
    """The ICCID column is collated bytewise, so its unique index also serves ``LIKE 'p%'``
    and no second, pattern-ops index has to be kept up to date on every import."""
    ProfileFactory.create_batch(3)
    query = Profile.objects.filter(iccid__startswith="8988").order_by("iccid").values("id")
    sql, params = query.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "profile_unique_iccid" in plan
    assert "Index Cond: (((iccid)::text >= '8988'::text)" in plan


@pytest.mark.django_db
@pytest.mark.parametrize(
    "iccid",
    ["\u0660" * 19, f"{iccid_for(1)}\n"],
    ids=["non-ASCII digits", "a trailing newline"],
)
def test_full_clean_refuses_an_iccid_that_is_not_ascii_digits_only(iccid: str) -> None:
    profile = ProfileFactory()
    profile.iccid = iccid

    with pytest.raises(ValidationError) as refused:
        profile.full_clean()

    assert set(refused.value.message_dict) == {"iccid"}
