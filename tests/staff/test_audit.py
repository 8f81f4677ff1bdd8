"""The audit log: what audit_record keeps, that nobody can rewrite it, the page and the CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.test import RequestFactory, override_settings

from coreesim.staff.choices import Role
from coreesim.staff.models import AuditLog
from coreesim.staff.services import ReasonRequired, audit_record
from tests.factories.profiles import RegionFactory

pytestmark = pytest.mark.django_db


def _request(user, ip="203.0.113.7", **headers):
    request = RequestFactory().post(
        "/staff/x/", REMOTE_ADDR=ip, HTTP_USER_AGENT="pytest", **headers
    )
    request.user = user
    return request


def test_an_entry_keeps_who_when_where_what_before_after_and_why(make_staff):
    user = make_staff(Role.SUPPORT)
    entry = audit_record(
        action="esim.suspend",
        request=_request(user),
        object_type="orders.esim",
        object_id=42,
        object_repr="eSIM 8944",
        before={"state": "installed", "price": Decimal("1.50")},
        after={"state": "suspended"},
        reason="stolen phone",
    )
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_username, entry.ip_address) == (
        user,
        user.username,
        "203.0.113.7",
    )
    assert entry.at is not None
    assert (entry.action, entry.object_type, entry.object_id) == (
        "esim.suspend",
        "orders.esim",
        "42",
    )
    assert entry.before == {"state": "installed", "price": "1.50"}
    assert entry.after == {"state": "suspended"}
    assert entry.reason == "stolen phone"


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
def test_behind_our_proxy_an_entry_keeps_the_address_the_proxy_saw(make_staff):
    request = _request(
        make_staff(Role.SUPPORT), ip="10.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7"
    )

    entry = audit_record(action="x", request=request)

    assert entry.ip_address == "203.0.113.7"


def test_secrets_in_before_and_after_are_redacted(make_staff):
    entry = audit_record(
        action="x.change",
        request=_request(make_staff(Role.SUPPORT)),
        after={"activation_code": "LPA:1$smdp.example$ABC", "note": "code LPA:1$a$b"},
    )
    assert "ABC" not in str(entry.after)
    assert "LPA:1$a$b" not in str(entry.after)


def test_a_required_reason_cannot_be_blank(make_staff):
    with pytest.raises(ReasonRequired):
        audit_record(
            action="esim.suspend",
            request=_request(make_staff(Role.SUPPORT)),
            reason="   ",
            reason_required=True,
        )
    assert not AuditLog.objects.exists()


def test_the_database_refuses_to_change_an_entry(make_staff):
    entry = audit_record(action="x", request=_request(make_staff(Role.SUPPORT)))
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).update(reason="rewritten")


def test_the_database_refuses_to_delete_an_entry(make_staff):
    entry = audit_record(action="x", request=_request(make_staff(Role.SUPPORT)))
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).delete()


def test_the_list_filters_by_action_and_object(make_staff, client_for):
    admin = make_staff(Role.ADMINISTRATOR)
    audit_record(action="esim.suspend", actor=admin, object_type="orders.esim", object_id=1)
    audit_record(action="partner.create", actor=admin, object_type="partners.partner", object_id=2)
    page = client_for(admin).get("/staff/audit/", {"action": "esim.", "object_id": "1"})
    rows = page.context["page"].items
    assert [e.action for e in rows] == ["esim.suspend"]


def test_the_csv_export_holds_the_filtered_rows_with_formulas_neutralised(make_staff, client_for):
    admin = make_staff(Role.ADMINISTRATOR)
    audit_record(action="esim.suspend", actor=admin, object_id=7, reason="=HYPERLINK(1)")
    audit_record(action="partner.create", actor=admin, object_id=8, reason="other")
    response = client_for(admin).get("/staff/audit/export.csv", {"action": "esim."})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["action"], r["object_id"], r["reason"]) for r in rows] == [
        ("esim.suspend", "7", "'=HYPERLINK(1)")
    ]


def test_the_audit_log_is_read_only_in_the_admin(make_staff, client_for):
    superuser = make_staff(superuser=True)
    entry = audit_record(action="x", actor=superuser)
    client = client_for(superuser)
    assert client.get(f"/admin/staff/auditlog/{entry.pk}/change/").status_code == 200
    assert client.post(f"/admin/staff/auditlog/{entry.pk}/delete/").status_code == 403


def test_a_change_made_in_the_admin_is_in_the_audit_log(make_staff, client_for):
    superuser = make_staff(superuser=True)
    region = RegionFactory(code="alps", name="Alps")

    response = client_for(superuser).post(
        f"/admin/profiles/region/{region.pk}/change/", {"code": "alps", "name": "The Alps"}
    )

    assert response.status_code == 302
    entry = AuditLog.objects.get(action="admin.change")
    assert (entry.actor, entry.actor_username) == (superuser, superuser.username)
    assert (entry.object_type, entry.object_id) == ("profiles.region", str(region.pk))
    assert "Name" in entry.after["change"]


def test_a_deletion_of_several_objects_in_the_admin_audits_each(make_staff, client_for):
    """Django logs a multiple deletion with one bulk insert, which sends no signal."""
    superuser = make_staff(superuser=True)
    regions = RegionFactory.create_batch(2)

    response = client_for(superuser).post(
        "/admin/profiles/region/",
        {"action": "delete_selected", "_selected_action": [r.pk for r in regions], "post": "yes"},
    )

    assert response.status_code == 302
    audited = AuditLog.objects.filter(action="admin.delete").values_list("object_id", flat=True)
    assert sorted(audited) == sorted(str(r.pk) for r in regions)
