"""Roles are groups of capabilities, kept in step with roles.py."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from coreesim.staff.choices import Capability, Role
from coreesim.staff.roles import ROLE_CAPABILITIES

pytestmark = pytest.mark.django_db


def _caps(role: Role) -> set[str]:
    return set(
        Group.objects.get(name=role.value)
        .permissions.filter(content_type__app_label="staff")
        .values_list("codename", flat=True)
    )


@pytest.mark.parametrize("role", list(Role))
def test_every_role_group_exists_after_migrate_with_its_capabilities(role):
    assert _caps(role) == {c.value for c in ROLE_CAPABILITIES[role]}


def test_setup_roles_restores_a_capability_removed_by_hand():
    group = Group.objects.get(name=Role.SUPPORT.value)
    group.permissions.clear()
    call_command("setup_roles", stdout=None)
    assert Capability.OPERATE_ESIMS.value in _caps(Role.SUPPORT)


def test_support_may_operate_esims_but_not_end_them():
    caps = _caps(Role.SUPPORT)
    assert Capability.OPERATE_ESIMS.value in caps
    assert Capability.END_ESIMS.value not in caps


def test_only_account_managers_are_limited_to_assigned_partners():
    for role in Role:
        sees_all = Capability.ALL_PARTNERS.value in _caps(role)
        assert sees_all is (role != Role.ACCOUNT_MANAGER)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMINISTRATOR, 200),
        (Role.FINANCE, 200),
        (Role.SUPPORT, 403),
        (Role.INVENTORY, 403),
        (Role.ACCOUNT_MANAGER, 403),
    ],
)
def test_audit_log_page_per_role(make_staff, client_for, role, status):
    assert client_for(make_staff(role)).get("/staff/audit/").status_code == status


def test_staff_without_any_role_cannot_use_the_back_office(make_staff, client_for):
    assert client_for(make_staff()).get("/staff/").status_code == 403


def test_an_administrator_resets_a_lost_second_factor_with_a_reason(make_staff, client_for):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from coreesim.staff.models import AuditLog

    admin, victim = make_staff(Role.ADMINISTRATOR), make_staff(Role.SUPPORT)
    client = client_for(admin)
    assert victim.username in client.get("/staff/users/").content.decode()
    client.post(f"/staff/users/{victim.pk}/reset-2fa/", {"reason": "phone lost, ticket 42"})
    assert not TOTPDevice.objects.filter(user=victim).exists()
    assert AuditLog.objects.get(action="auth.otp_reset").reason == "phone lost, ticket 42"


def test_a_second_factor_reset_ends_the_users_sessions(make_staff, client_for):
    admin, victim = make_staff(Role.ADMINISTRATOR), make_staff(Role.SUPPORT)
    victim_session = client_for(victim)
    admin_session = client_for(admin)

    admin_session.post(f"/staff/users/{victim.pk}/reset-2fa/", {"reason": "phone stolen"})

    assert victim_session.get("/staff/enroll/")["Location"].startswith("/staff/login/")
    assert admin_session.get("/staff/").status_code == 200


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FINANCE, Role.INVENTORY])
def test_only_administrators_manage_staff_accounts(make_staff, client_for, role):
    assert client_for(make_staff(role)).get("/staff/users/").status_code == 403
