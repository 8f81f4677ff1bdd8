"""The API's reads of orders and eSIMs, always scoped to one partner.

Another partner's object is simply not found (404), never "forbidden": the API must not even
confirm that an order id or an ICCID exists elsewhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F, Prefetch, QuerySet, Subquery
from django.http import Http404

from orders.models import Esim, Order, TopUp, UsageRecord
from profiles.choices import ProfileState
from profiles.models import ProfileEvent

ESIM_RELATED = ("order__plan", "profile")
# What a list shows of each eSIM (EsimOut): its own columns plus two annotated facts, so a page
# of 200 builds 200 model instances, not 800 (order, plan and profile each).
ESIM_LIST_FIELDS = (
    "id",
    "iccid",
    "status",
    "order",
    "data_mb",
    "data_used_mb",
    "validity_days",
    "activated_at",
    "expires_at",
    "created_at",
)


def _with_facts(esims: QuerySet[Esim]) -> QuerySet[Esim]:
    """The plan code and profile state every eSIM serializer shows, as annotations."""
    return esims.annotate(plan_code=F("order__plan__code"), profile_state=F("profile__state"))


def _listed(esims: QuerySet[Esim]) -> QuerySet[Esim]:
    return _with_facts(esims).only(*ESIM_LIST_FIELDS)


def order_list(
    *,
    partner_id: int,
    status: str | None = None,
    reference: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[Order]:
    orders = (
        Order.objects.filter(partner_id=partner_id)
        .select_related("plan")
        .prefetch_related(Prefetch("esims", queryset=_listed(Esim.objects.order_by("id"))))
    )
    if status:
        orders = orders.filter(status=status)
    if reference:
        orders = orders.filter(reference=reference)
    if created_after:
        orders = orders.filter(created_at__gte=created_after)
    if created_before:
        orders = orders.filter(created_at__lt=created_before)
    return orders


def order_get(*, partner_id: int, order_id: Any) -> Order:
    order = order_list(partner_id=partner_id).filter(pk=order_id).first()
    if order is None:
        raise Http404("No such order.")
    return order


def esim_list(
    *,
    partner_id: int,
    status: str | None = None,
    state: str | None = None,
    order_id: int | None = None,
) -> QuerySet[Esim]:
    esims = _listed(Esim.objects.filter(partner_id=partner_id))
    if status:
        esims = esims.filter(status=status)
    if state:
        esims = esims.filter(profile__state=state)
    if order_id is not None:
        esims = esims.filter(order_id=order_id)
    return esims


def esim_get(*, partner_id: int, iccid: str) -> Esim:
    """The partner's newest eSIM with this ICCID (a restocked profile may be sold again).

    ICCIDs are stored as ASCII digits only, so any other text names no eSIM; it is not sent to
    the database, which refuses some of it (a NUL byte) with an error instead of no row.
    """
    if not (iccid.isascii() and iccid.isdigit()):
        raise Http404("No such eSIM.")
    esim = (
        _with_facts(Esim.objects.filter(partner_id=partner_id, iccid=iccid))
        .select_related(*ESIM_RELATED)
        .order_by("-id")
        .first()
    )
    if esim is None:
        raise Http404("No such eSIM.")
    return esim


def esim_usage_records(*, esim: Esim) -> QuerySet[UsageRecord]:
    return UsageRecord.objects.filter(esim=esim).order_by("-period_end", "-id")


def esim_top_ups(*, esim: Esim) -> QuerySet[TopUp]:
    return TopUp.objects.filter(esim=esim).select_related("plan").order_by("id")


def esim_events(*, esim: Esim) -> QuerySet[ProfileEvent]:
    """The profile's history since it was last reserved, which was for this eSIM.

    A restocked profile's earlier life belongs to whoever had it before — another partner's
    sale, or this one's before a reissue or retry handed it back. Since a profile is held by one
    eSIM at a time and only an ``available`` profile can be reserved, its newest reservation is
    the one that gave it to this eSIM, whether at the sale, a reissue or a staff retry. The
    bound is the event id, the order the list is paged in.
    """
    if esim.profile_id is None:
        return ProfileEvent.objects.none()
    events = ProfileEvent.objects.filter(profile_id=esim.profile_id)
    reservation = events.filter(to_state=ProfileState.RESERVED).order_by("-id").values("id")[:1]
    return events.filter(id__gte=Subquery(reservation))
