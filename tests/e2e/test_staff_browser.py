"""The staff back office in Debian's Chromium, as an operator uses it.

Log in with a password and a TOTP code, import a CSV and watch the progress bar reach 100 %
(the import runs on a real Celery worker), search an ICCID, suspend it with a reason, and find
the audit row. With ``STAFF_SCREENSHOTS=1`` the screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from coreesim.staff.choices import Role
from profiles.choices import ProfileState
from profiles.models import Profile
from tests.factories.orders import make_delivered_esim, make_stock
from tests.factories.profiles import iccid_for

pytestmark = [pytest.mark.browser, pytest.mark.worker]

PASSWORD = "operator password 2026"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
IMPORT_LINES = 5000


@pytest.fixture
def shots(tmp_path):
    folder = SCREENSHOTS if os.environ.get("STAFF_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.screenshot(path=str(folder / f"staff-{name}.png"), full_page=True)

    return shot


def test_operator_imports_searches_suspends_and_finds_the_audit_row(
    browser, live_server, celery_worker, settings, tmp_path, shots
):
    settings.MEDIA_ROOT = tmp_path / "media"
    stock = make_stock(profiles=3, price=Decimal("9.00"), balance=Decimal("500"))
    esim = make_delivered_esim(stock)
    user = get_user_model().objects.create_user(
        username="operator", password=PASSWORD, is_staff=True
    )
    user.groups.add(
        Group.objects.get(name=Role.ADMINISTRATOR.value),
    )
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    csv_path = tmp_path / "batch.csv"
    csv_path.write_text(
        "iccid\n" + "".join(f"{iccid_for(n, '8988299')}\n" for n in range(IMPORT_LINES))
    )

    page = browser.new_page(viewport={"width": 1360, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(live_server.url + "/staff/")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", PASSWORD)
    shots(page, "login")
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/verify/**")
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    page.fill("input[name=token]", code)
    page.click("form button[type=submit] >> nth=0")
    page.wait_for_url(live_server.url + "/staff/")
    assert page.locator("h1").inner_text() == "Dashboard"
    shots(page, "dashboard")

    page.goto(live_server.url + "/staff/inventory/imports/new/")
    page.select_option("select[name=pool]", str(stock.pool.pk))
    page.set_input_files("input[name=file]", str(csv_path))
    page.click("main button[type=submit]")
    page.wait_for_url("**/imports/watch/**")
    page.wait_for_selector("#import-progress[data-finished=true]", timeout=120_000)
    assert page.locator("#import-progress").get_attribute("data-percent") == "100"
    assert page.eval_on_selector("progress", "p => p.value === p.max")
    page.wait_for_selector("#import-result")
    assert "Succeeded" in page.locator("#import-result h2").inner_text()
    shots(page, "import-progress")
    assert Profile.objects.filter(pool=stock.pool).count() == 3 + IMPORT_LINES

    page.goto(live_server.url + "/staff/inventory/")
    shots(page, "inventory")

    page.goto(live_server.url + "/staff/orders/esims/")
    page.fill("input[name=q]", esim.iccid)
    page.press("input[name=q]", "Enter")
    page.wait_for_url(f"**/staff/orders/esims/{esim.pk}/")
    shots(page, "esim")
    page.click("a.button:has-text('Suspend')")
    page.fill("textarea[name=reason]", "traveler reported the phone stolen")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/staff/orders/esims/{esim.pk}/")
    assert page.locator("[data-profile-state]").get_attribute("data-profile-state") == (
        ProfileState.SUSPENDED
    )
    shots(page, "esim-suspended")

    page.goto(live_server.url + "/staff/audit/?action=esim.suspend")
    row = page.locator("table.list tbody tr").first
    assert "traveler reported the phone stolen" in row.inner_text()
    assert "operator" in row.inner_text()
    shots(page, "audit")

    page.goto(live_server.url + f"/staff/partners/{stock.partner.pk}/")
    shots(page, "partner")
    page.goto(live_server.url + "/staff/smdp/")
    shots(page, "smdp")
    assert errors == []
