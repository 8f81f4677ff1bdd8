"""What each staff role may do: the one place that bundles capabilities into groups.

Roles are Django groups kept in step with ``ROLE_CAPABILITIES`` after every ``migrate`` (and by
``manage.py setup_roles``). Superusers have every capability without a group. Account managers
see only the partners an administrator assigned to them (django-guardian object permissions,
see ``partners.staff.access``); every other role sees all partners.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from coreesim.staff.choices import Capability as C
from coreesim.staff.choices import Role

ROLE_CAPABILITIES: dict[Role, frozenset[C]] = {
    Role.SUPPORT: frozenset(
        {
            C.USE_BACKOFFICE,
            C.ALL_PARTNERS,
            C.VIEW_ESIMS,
            C.OPERATE_ESIMS,
            C.VIEW_ORDERS,
            C.RETRY_ORDERS,
            C.VIEW_PARTNERS,
            C.VIEW_INVENTORY,
        }
    ),
    Role.INVENTORY: frozenset(
        {
            C.USE_BACKOFFICE,
            C.ALL_PARTNERS,
            C.VIEW_ESIMS,
            C.VIEW_INVENTORY,
            C.MANAGE_INVENTORY,
            C.VIEW_SMDP,
        }
    ),
    Role.FINANCE: frozenset(
        {
            C.USE_BACKOFFICE,
            C.ALL_PARTNERS,
            C.VIEW_ORDERS,
            C.VIEW_PARTNERS,
            C.MANAGE_FINANCE,
            C.VIEW_AUDIT,
        }
    ),
    Role.ACCOUNT_MANAGER: frozenset(
        {C.USE_BACKOFFICE, C.VIEW_ESIMS, C.VIEW_ORDERS, C.VIEW_PARTNERS}
    ),
    Role.ADMINISTRATOR: frozenset(C),
}


def roles_sync() -> list[str]:
    """Create the role groups and set exactly their capabilities; returns the role names.

    Safe to run any number of times. A group's permissions outside ``staff.*`` (granted by
    hand in the admin) are left alone.
    """
    perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="staff", codename__in=[c.value for c in C]
        )
    }
    for role, capabilities in ROLE_CAPABILITIES.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = {perms[c.value] for c in capabilities if c.value in perms}
        current = set(group.permissions.filter(content_type__app_label="staff"))
        group.permissions.remove(*(current - wanted))
        group.permissions.add(*(wanted - current))
    return [r.value for r in ROLE_CAPABILITIES]


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    # Fires once per app; the staff permissions exist once our own app has been handled.
    if getattr(sender, "label", None) == "staff":
        roles_sync()
