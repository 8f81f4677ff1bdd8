"""Which partners a staff user may see.

Every role except account managers sees all partners (capability ``all_partners``). An account
manager sees only the partners an administrator assigned to them: a django-guardian object
permission ``partners.view_partner`` on each Partner row.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import assign_perm, get_objects_for_user, get_users_with_perms, remove_perm

from coreesim.staff.access import can
from coreesim.staff.choices import Capability
from partners.models import Partner

VIEW_PARTNER = "partners.view_partner"


def visible_partners(user: User | AnonymousUser) -> QuerySet[Partner]:
    if can(user, Capability.ALL_PARTNERS):
        return Partner.objects.all()
    return get_objects_for_user(
        user, VIEW_PARTNER, klass=Partner, accept_global_perms=False, with_superuser=False
    )


def visible_partner_ids(user: User | AnonymousUser) -> list[int] | None:
    """None means "all partners"; otherwise the ids this user may see (maybe none)."""
    if can(user, Capability.ALL_PARTNERS):
        return None
    return list(visible_partners(user).values_list("pk", flat=True))


def partner_for(user: User | AnonymousUser, pk: int) -> Partner:
    """The partner ``pk`` if this user may see it; 404 (not 403) so ids do not leak."""
    partner = visible_partners(user).filter(pk=pk).first()
    if partner is None:
        raise Http404("No such partner.")
    return partner


def account_managers_of(partner: Partner) -> list[User]:
    return list(
        get_users_with_perms(partner, only_with_perms_in=["view_partner"], with_group_users=False)
    )


def account_manager_assign(*, partner: Partner, user: User) -> None:
    assign_perm(VIEW_PARTNER, user, partner)


def account_manager_unassign(*, partner: Partner, user: User) -> None:
    remove_perm(VIEW_PARTNER, user, partner)
