"""Login to /staff/ and /admin/: password, then a TOTP code or a recovery code."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coreesim.staff.choices import AuthAction, Role
from coreesim.staff.models import AuditLog
from coreesim.staff.services import recovery_codes_create
from coreesim.staff.views.audit import audit_list_view
from tests.staff.conftest import PASSWORD, current_code

pytestmark = pytest.mark.django_db


def _password(client: Client, user, next_url: str = "") -> str:
    data = {"username": user.username, "password": PASSWORD}
    url = "/staff/login/" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, data)
    assert response.status_code == 302
    return response["Location"]


def test_password_then_totp_code_reaches_the_dashboard(make_staff):
    user = make_staff(Role.SUPPORT)
    client = Client()
    assert _password(client, user).startswith("/staff/verify/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/staff/verify/", {"token": current_code(device)})
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert AuditLog.objects.filter(actor=user, action=AuthAction.LOGIN).exists()


def test_a_password_alone_reaches_nothing_but_the_second_factor(make_staff):
    user = make_staff(Role.ADMINISTRATOR)
    client = Client()
    _password(client, user)
    for url in ("/staff/", "/staff/audit/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/verify/")


def test_a_wrong_code_is_refused(make_staff):
    user = make_staff(Role.SUPPORT)
    client = Client()
    _password(client, user)
    response = client.post("/staff/verify/", {"token": "000000"})
    assert response.status_code == 200
    assert b"not valid" in response.content
    assert client.get("/staff/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(make_staff):
    user = make_staff(Role.SUPPORT)
    response = Client().post("/staff/login/", {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert b"Unknown username or wrong password" in response.content


def test_a_user_who_is_not_staff_cannot_log_in(db):
    get_user_model().objects.create_user(username="traveler", password=PASSWORD)
    response = Client().post("/staff/login/", {"username": "traveler", "password": PASSWORD})
    assert response.status_code == 200
    assert b"Unknown username or wrong password" in response.content


def test_first_login_enrols_an_authenticator_by_qr_and_hands_out_recovery_codes(make_staff):
    user = make_staff(Role.SUPPORT, device=False)
    client = Client()
    assert _password(client, user).startswith("/staff/enroll/")
    page = client.get("/staff/enroll/")
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/staff/enroll/", {"token": current_code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]+)</code>", response.content.decode())
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/staff/").status_code == 200
    assert AuditLog.objects.filter(actor=user, action=AuthAction.OTP_ENROLLED).exists()


def test_enrolment_with_a_wrong_code_does_not_enable_the_device(make_staff):
    user = make_staff(Role.SUPPORT, device=False)
    client = Client()
    _password(client, user)
    client.get("/staff/enroll/")
    response = client.post("/staff/enroll/", {"token": "123456"})
    assert b"does not match" in response.content
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_recovery_codes_alone_still_need_proving_before_a_new_authenticator(make_staff):
    user = make_staff(Role.SUPPORT, device=False)
    recovery_codes_create(user=user)
    client = Client()
    assert _password(client, user).startswith("/staff/verify/")

    response = client.get("/staff/enroll/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/verify/")
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_recovery_code_logs_in_once(make_staff, client_for):
    user = make_staff(Role.SUPPORT)
    codes = re.findall(
        r"<code>([a-z0-9]+)</code>",
        client_for(user).post("/staff/account/recovery-codes/").content.decode(),
    )
    first = Client()
    _password(first, user)
    assert first.post("/staff/verify/", {"token": codes[0]})["Location"] == "/staff/"
    second = Client()
    _password(second, user)
    assert second.post("/staff/verify/", {"token": codes[0]}).status_code == 200
    assert AuditLog.objects.filter(actor=user, action=AuthAction.RECOVERY_CODE_USED).count() == 1


def test_new_recovery_codes_replace_the_old_ones(make_staff, client_for):
    user = make_staff(Role.SUPPORT)
    client = client_for(user)
    old = re.findall(
        r"<code>([a-z0-9]+)</code>", client.post("/staff/account/recovery-codes/").content.decode()
    )
    client.post("/staff/account/recovery-codes/")
    assert not StaticToken.objects.filter(device__user=user, token__in=old).exists()


@pytest.mark.parametrize("url", ["/staff/audit/", "/admin/"])
def test_a_script_name_prefix_does_not_move_a_page_out_from_under_the_gate(make_staff, url):
    """Routing reads PATH_INFO; a SCRIPT_NAME sent by a client must not hide the /staff/ or
    /admin/ prefix from the second-factor gate while the page still routes."""
    superuser = make_staff(Role.ADMINISTRATOR, superuser=True)
    client = Client()
    _password(client, superuser)

    response = client.get(url, SCRIPT_NAME="/x")

    assert response.status_code == 302
    assert "/staff/verify/" in response["Location"]


def test_a_staff_page_and_the_admin_refuse_a_session_without_the_second_factor_by_themselves(
    make_staff, rf
):
    """The second check behind the gate: reached without the middleware, they still refuse."""
    superuser = make_staff(Role.ADMINISTRATOR, superuser=True)
    request = rf.get("/staff/audit/")
    request.user = superuser
    request.user.otp_device = None

    with pytest.raises(PermissionDenied, match="second factor"):
        audit_list_view(request)
    assert not admin.site.has_permission(request)


def test_anonymous_admin_goes_to_the_staff_login(db):
    response = Client().get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=%2Fadmin%2F"


def test_admin_opens_for_a_superuser_after_the_second_factor(make_staff, client_for):
    superuser = make_staff(superuser=True)
    assert client_for(superuser).get("/admin/").status_code == 200


def test_login_follows_next_only_to_this_site(make_staff):
    user = make_staff(Role.SUPPORT)
    client = Client()
    _password(client, user, next_url="https://evil.example/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post(
        "/staff/verify/", {"token": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/staff/"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_login_even_for_the_right_password(make_staff):
    user = make_staff(Role.SUPPORT)
    client = Client()
    for _ in range(3):
        client.post("/staff/login/", {"username": user.username, "password": "wrong"})
    response = client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content


@override_settings(AXES_FAILURE_LIMIT=3, TRUSTED_PROXIES=["10.0.0.1"])
def test_behind_our_proxy_a_lockout_holds_the_failing_address_not_everyone_behind_it(make_staff):
    user = make_staff(Role.SUPPORT)
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(3):
        attacker.post("/staff/login/", {"username": user.username, "password": "wrong"})

    assert _password(colleague, user).startswith("/staff/verify/")


@override_settings(STAFF_IDLE_TIMEOUT_SECONDS=60)
def test_an_idle_session_expires(make_staff, client_for):
    client = client_for(make_staff(Role.SUPPORT))
    assert client.get("/staff/").status_code == 200
    session = client.session
    session["staff_last_seen"] -= 61
    session.save()
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


@override_settings(SESSION_COOKIE_AGE=3600)
def test_a_session_ends_at_its_time_limit_however_active(make_staff, client_for):
    client = client_for(make_staff(Role.SUPPORT))
    assert client.get("/staff/").status_code == 200
    session = client.session
    session["staff_logged_in_at"] -= 3601
    session.save()

    response = client.get("/staff/audit/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=%2Fstaff%2Faudit%2F"
    assert client.get("/staff/")["Location"].startswith("/staff/login/")


def test_a_deactivated_user_is_logged_out(make_staff, client_for):
    user = make_staff(Role.SUPPORT)
    client = client_for(user)
    user.is_staff = False
    user.save()
    response = client.get("/staff/")
    assert response["Location"] == "/staff/login/"


def test_logout_is_a_post_and_is_audited(make_staff, client_for):
    user = make_staff(Role.SUPPORT)
    client = client_for(user)
    assert client.get("/staff/logout/").status_code == 405
    client.post("/staff/logout/")
    assert AuditLog.objects.filter(actor=user, action=AuthAction.LOGOUT).exists()
    assert client.get("/staff/")["Location"].startswith("/staff/login/")
