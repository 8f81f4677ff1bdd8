"""The eSIM page in a real browser at a phone's size (Debian's Chromium via Playwright)."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from profiles.choices import ProfileState
from tests.e2e.conftest import AXE
from tests.portal.fixtures import DESKTOP, IOS_17_4

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _phone(browser, **options):
    options.setdefault("user_agent", IOS_17_4)
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, **options
    )


def _decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found in the screenshot"
    return results[0].text


def _save_small(png: bytes, name: str) -> None:
    """A docs screenshot: phone width at 1x, 64 colours, a few tens of kB."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((image.width // 2, image.height // 2), Image.LANCZOS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=64).save(SCREENSHOTS / name, optimize=True)


def test_qr_in_a_phone_screenshot_scans_to_the_activation_code(browser, live_server, ready_esim):
    context = _phone(browser)
    page = context.new_page()
    page.goto(live_server.url + ready_esim.path)
    png = page.screenshot(full_page=True)
    assert _decode_qr(png) == ready_esim.activation_code
    _save_small(png, "esim-en.png")
    context.close()


@pytest.mark.parametrize(
    ("code", "name", "heading"),
    [
        ("es", "Español", "Instala tu eSIM"),
        ("fr", "Français", "Installez votre eSIM"),
        ("de", "Deutsch", "eSIM installieren"),
    ],
)
def test_language_switcher_translates_the_page(
    browser, live_server, ready_esim, code, name, heading
):
    context = _phone(browser)
    page = context.new_page()
    page.goto(live_server.url + ready_esim.path)
    page.get_by_role("navigation", name="Language").get_by_role("link", name=name).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == code
    assert page.get_by_role("heading", name=heading).is_visible()
    png = page.screenshot(full_page=True)
    assert _decode_qr(png) == ready_esim.activation_code
    _save_small(png, f"esim-{code}.png")
    page.goto(live_server.url + ready_esim.path)
    assert page.locator("html").get_attribute("lang") == code, "the choice is remembered"
    context.close()


def test_accept_language_picks_the_first_supported_language(browser, live_server, ready_esim):
    context = _phone(
        browser, locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
    )
    page = context.new_page()
    page.goto(live_server.url + ready_esim.path)
    assert page.locator("html").get_attribute("lang") == "fr"
    context.close()


def test_copy_buttons_put_each_code_on_the_clipboard(browser, live_server, ready_esim):
    context = _phone(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.goto(live_server.url + ready_esim.path)
    expected = {
        "smdp-address": ready_esim.smdp_address,
        "matching-id": ready_esim.matching_id,
        "activation-code": ready_esim.activation_code,
    }
    for target, value in expected.items():
        button = page.locator(f'button[data-copy="{target}"]')
        assert button.is_visible()
        button.click()
        assert page.evaluate("navigator.clipboard.readText()") == value
        expect(page.locator("#live-status")).to_have_text("Copied")
        expect(button).to_have_text("Copied")
    context.close()


def test_one_tap_button_shows_for_ios_17_4(browser, live_server, ready_esim):
    context = _phone(browser, user_agent=IOS_17_4)
    page = context.new_page()
    page.goto(live_server.url + ready_esim.path)
    button = page.get_by_role("link", name="Install on this phone")
    assert button.is_visible()
    assert button.get_attribute("href").startswith("https://esimsetup.apple.com/")
    context.close()


def test_no_one_tap_button_on_a_desktop(browser, live_server, ready_esim):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, user_agent=DESKTOP)
    page = context.new_page()
    page.goto(live_server.url + ready_esim.path)
    assert page.get_by_role("link", name="Install on this phone").count() == 0
    assert page.locator(".qr-box svg").is_visible()
    context.close()


def test_page_works_without_javascript(browser, live_server, ready_esim):
    context = _phone(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + ready_esim.path)
    assert page.locator("#activation-code").inner_text() == ready_esim.activation_code
    assert page.locator("button[data-copy]").first.is_hidden()
    assert _decode_qr(page.screenshot(full_page=True)) == ready_esim.activation_code
    context.close()


def test_page_makes_no_third_party_requests_and_breaks_no_csp_rule(
    browser, live_server, ready_esim
):
    context = _phone(browser)
    page = context.new_page()
    hosts, violations = set(), []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.on(
        "console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text)
    )
    page.goto(live_server.url + ready_esim.path)
    page.wait_for_load_state("networkidle")
    assert hosts == {urlsplit(live_server.url).netloc}
    assert violations == []
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.brand-bar')).backgroundColor")
        == "rgb(0, 102, 51)"
    )
    context.close()


@pytest.mark.parametrize("path_attr", ["path", "find_path"])
def test_axe_finds_no_serious_or_critical_violation(browser, live_server, ready_esim, path_attr):
    # Only the test injects axe-core, so only the test context bypasses the page's CSP.
    context = _phone(browser, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + getattr(ready_esim, path_attr))
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})")
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    context.close()


def test_find_form_works_without_javascript_and_confirms_neutrally(
    browser, live_server, ready_esim
):
    context = _phone(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + ready_esim.find_path)
    _save_small(page.screenshot(full_page=True), "find-en.png")
    page.get_by_label("Email address").fill(ready_esim.traveler_email)
    page.get_by_label("Order reference").fill(ready_esim.reference)
    page.get_by_role("button", name="Email me the link").click()
    expect(page.locator(".notice")).to_contain_text("If these details match an order")
    context.close()


def test_keyboard_alone_reaches_the_content_and_copies_a_code(browser, live_server, ready_esim):
    context = _phone(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.goto(live_server.url + ready_esim.path)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    copy = page.locator('button[data-copy="matching-id"]')
    for _ in range(10):
        page.keyboard.press("Tab")
        if copy.evaluate("button => button === document.activeElement"):
            break
    expect(copy).to_be_focused()
    page.keyboard.press("Enter")
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == ready_esim.matching_id
    context.close()


def test_active_esim_with_usage_shows_the_bar_and_passes_axe(browser, live_server, ready_esim):
    ready_esim.set_profile_state(ProfileState.ENABLED)
    ready_esim.set_usage(used_mb=8200)
    context = _phone(browser, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + ready_esim.path)
    expect(page.get_by_text("Active", exact=True)).to_be_visible()
    assert page.locator("meter").get_attribute("value") == "82"
    _save_small(page.screenshot(full_page=True), "esim-active-en.png")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    context.close()
