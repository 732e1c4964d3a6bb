"""The Partner Hub dashboard in a real browser: Debian's Chromium driven by Playwright, against
a real ``partnerhub serve`` process (emulator controls on, so the tests can onboard clients and
move the clock). Screenshots of every page go to test-artifacts/hub-*.png, on a laptop-sized
and a phone-sized screen.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LiveServer, cli_env, free_port, run_cli, start_server
from tests.helpers.uploads import png
from tests.receiver import Receiver

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EMULATOR_TOKEN = "hub-browser-token"
EMULATOR = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}
STEP = 60  # seconds between simulated lifecycle steps; the tests move the clock instead

if not Path(CHROMIUM).exists():
    if os.environ.get("PARTNERHUB_TEST_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing (install it: apt-get install chromium)", pytrace=False)
    pytest.skip(
        f"{CHROMIUM} not found: apt-get install chromium to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Dialog, Page, expect, sync_playwright  # noqa: E402

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    page = context.new_page()

    def no_dialogs(dialog: Dialog) -> None:  # an alert() would mean injected script ran
        dialog.dismiss()
        raise AssertionError(f"unexpected dialog: {dialog.message}")

    page.on("dialog", no_dialogs)
    yield page
    context.close()


@pytest.fixture
def hub_server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    """``partnerhub serve`` with the emulator's controls on, and one partner."""
    env = cli_env(
        tmp_path,
        database_url,
        PARTNERHUB_EMULATOR_TOKEN=EMULATOR_TOKEN,
        PARTNERHUB_SIMULATOR_STEP_SECONDS=str(STEP),
    )
    created = run_cli(
        env,
        "partners",
        "create",
        "--brand-name",
        "Acme Messaging",
        "--email",
        "ops@acme.example",
        "--password",
        "correct-horse-battery",
        "--json",
    )
    creds = json.loads(created.stdout)
    port = free_port()
    log_path = tmp_path / "server.log"
    process = start_server(env, port, log_path)
    server = LiveServer(
        base_url=f"http://127.0.0.1:{port}",
        env=env,
        process=process,
        log_path=log_path,
        partner_id=creds["partner_id"],
        email=creds["email"],
        password="correct-horse-battery",
        api_key=creds["api_key"],
    )
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        assert "Traceback" not in server.log(), server.log()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"hub-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


def log_in(page: Page, server: LiveServer, password: str | None = None) -> None:
    page.goto(f"{server.base_url}/hub")
    page.get_by_label("Email").fill(server.email)
    page.get_by_label("Password").fill(password or server.password)
    page.get_by_role("button", name="Log in").click()


def emulator(server: LiveServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{server.base_url}/_emulator{path}", headers=EMULATOR, json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def onboard(server: LiveServer, name: str, numbers: list[str], email: str) -> dict[str, Any]:
    return emulator(
        server,
        "/onboard",
        {
            "partner_id": server.partner_id,
            "client": {"name": name, "email": email},
            "phone_numbers": numbers,
        },
    )


def api(server: LiveServer, key: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.base_url}/api/v2/partners/{server.partner_id}",
        headers={"X-API-Key": key or server.api_key},
    )


def test_generate_use_and_revoke_an_api_key(hub_server: LiveServer, page: Page) -> None:
    page.goto(f"{hub_server.base_url}/hub/keys")
    expect(page).to_have_url(f"{hub_server.base_url}/hub/login?next=%2Fhub%2Fkeys")
    shot(page, "01-login")
    page.get_by_label("Email").fill(hub_server.email)
    page.get_by_label("Password").fill(hub_server.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="API keys")).to_be_visible()
    page.get_by_label("Name").fill("Prod Server")
    page.get_by_role("button", name="Generate key").click()
    secret = page.locator("#new-key").inner_text().strip()
    assert secret.startswith("ph_test_")
    expect(page.get_by_text("you will not see this again")).to_be_visible()
    page.get_by_role("button", name="Copy").focus()  # keyboard-reachable
    shot(page, "02-key-generated")
    with api(hub_server, secret) as client:
        assert client.get("").status_code == 200  # usable at once
    page.goto(f"{hub_server.base_url}/hub/keys")
    assert secret not in page.content()  # never shown again
    row = page.locator("#keys tr", has_text="Prod Server")
    expect(row).to_contain_text(secret[:12])
    shot(page, "03-keys")
    row.get_by_role("link", name="Revoke Prod Server").click()
    expect(page.get_by_text("This cannot be undone")).to_be_visible()
    shot(page, "04-key-revoke-confirm")
    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_role("status")).to_have_text("The key was revoked.")
    expect(page.locator("#keys")).not_to_contain_text("Prod Server")
    with api(hub_server, secret) as client:
        assert client.get("").status_code == 401


def test_webhook_test_event_is_delivered_and_logged(
    hub_server: LiveServer, receiver: Receiver, page: Page
) -> None:
    log_in(page, hub_server)
    page.get_by_role("link", name="Integration").click()
    page.get_by_label("Webhook URL").fill(receiver.url)
    page.get_by_label("Custom headers").fill("Authorization: Bearer receiver-token")
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_role("status")).to_have_text("Webhook settings saved.")
    # Every partner has a secret from creation: the dashboard shows it on request.
    page.get_by_role("button", name="Show secret").click()
    platform_secret = page.locator("#platform-secret").inner_text().strip()
    assert platform_secret.startswith("whsec_")
    page.get_by_role("button", name="Send test event").click()
    result = page.locator("#test-result")
    expect(result).to_contain_text("delivered")
    expect(result).to_contain_text("HTTP 200")
    shot(page, "05-settings-test-delivered")
    sent = receiver.wait_for(1)[0]
    assert sent.headers["authorization"] == "Bearer receiver-token"
    assert json.loads(sent.body)["event"] == "webhook_test"
    expected = hmac.new(platform_secret.encode(), sent.body, hashlib.sha256).hexdigest()
    assert sent.headers["x-360dialog-signature"] == expected
    page.get_by_role("button", name="Regenerate secret").click()
    rotated = page.locator("#platform-secret").inner_text().strip()
    assert rotated.startswith("whsec_") and rotated != platform_secret
    expect(page.locator("#platform-secret-label")).to_contain_text("keeps verifying until")
    page.get_by_role("link", name="Webhook deliveries").click()
    row = page.locator("#deliveries tbody tr").first
    expect(row).to_contain_text("webhook_test")
    expect(row).to_contain_text("delivered")
    shot(page, "06-deliveries")
    row.get_by_role("link").click()
    expect(page.locator("#attempts")).to_contain_text("HTTP 200")
    expect(page.locator("#attempts")).to_contain_text("answer 200")
    page.get_by_role("button", name="Retry now").click()
    expect(page.get_by_role("status")).to_contain_text("Sent again")
    receiver.wait_for(2)
    page.reload()
    expect(page.locator("#attempts tbody tr")).to_have_count(2)
    shot(page, "07-delivery-detail")


def test_onboarded_numbers_advance_on_the_overview_and_export(
    hub_server: LiveServer, page: Page
) -> None:
    pizza = onboard(hub_server, "Pizza Place", ["+4915111110001", "+4915111110002"], "a@pizza.ex")
    onboard(hub_server, "Bakery Bros", ["+4915111110003"], "b@bakery.ex")
    log_in(page, hub_server)
    expect(page.locator("#channel-counts dd[data-status=created]")).to_have_text("3")
    expect(page.locator("#client-total")).to_have_text("2")
    emulator(hub_server, "/clock/advance", {"seconds": STEP * 3 + 1})
    page.reload()
    expect(page.locator("#channel-counts dd[data-status=running]")).to_have_text("3")
    expect(page.locator("#channel-counts dd[data-status=created]")).to_have_count(0)
    shot(page, "08-overview")

    page.get_by_role("link", name="Clients & numbers").click()
    expect(page.locator("#numbers tbody tr")).to_have_count(3)
    shot(page, "09-clients")
    page.get_by_label("Search").fill("pizza")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#numbers tbody tr")).to_have_count(2)
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(waiting.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["company"], r["number"], r["contact_email"], r["number_status"]) for r in rows} == {
        ("Pizza Place", "+4915111110001", "a@pizza.ex", "running"),
        ("Pizza Place", "+4915111110002", "a@pizza.ex", "running"),
    }
    assert {r["client_status"] for r in rows} == {"active"}

    page.get_by_role("link", name="Pizza Place").first.click()
    shot(page, "10-client")
    page.get_by_role("link", name="+4915111110001").click()
    timeline = page.locator("#timeline")
    for event in ("channel_created", "channel_submitted", "channel_ready", "channel_running"):
        expect(timeline).to_contain_text(event)
    page.get_by_role("button", name="Generate key").click()
    channel_key = page.locator("#channel-key").inner_text().strip()
    expect(page.get_by_text("you will not see this again")).to_be_visible()
    shot(page, "11-channel-key")
    messages = httpx.get(
        f"{hub_server.base_url}/v1/configs/webhook", headers={"D360-API-KEY": channel_key}
    )
    assert messages.status_code == 200, messages.text
    page.reload()
    assert channel_key not in page.content()

    channel_id = pizza["channel_ids"][0]
    now = emulator(hub_server, "/clock/advance", {"seconds": 0})["now"]
    day = datetime.fromisoformat(now.replace("Z", "+00:00")).astimezone(UTC)
    for volume, category in ((4, "MARKETING"), (7, "UTILITY")):
        emulator(
            hub_server,
            f"/channels/{channel_id}/usage",
            {"country": "DE", "pricing_category": category, "volume": volume, "at": now},
        )
    page.goto(f"{hub_server.base_url}/hub/usage?channel_id={channel_id}")
    expect(page.locator("#total-messages")).to_have_text("11")
    expect(page.locator("#messages-chart rect")).to_have_count(30)
    expect(page.locator("#usage-table")).to_contain_text(day.strftime("%Y-%m-%d"))
    shot(page, "12-usage")


def test_security_in_the_browser(hub_server: LiveServer, page: Page) -> None:
    evil = "<script>alert('owned')</script>"
    with api(hub_server) as client:
        assert client.patch("", json={"brand_name": f"Acme {evil}"}).status_code == 200
    theirs = run_cli(
        hub_server.env,
        "partners",
        "create",
        "--brand-name",
        "Rival",
        "--email",
        "ops@rival.example",
        "--password",
        "correct-horse-battery",
        "--json",
    )
    rival = json.loads(theirs.stdout)["partner_id"]
    other = emulator(
        hub_server,
        "/onboard",
        {
            "partner_id": rival,
            "client": {"name": "Rival Co", "email": "r@rival.ex"},
            "phone_numbers": ["+4915122220001"],
        },
    )
    onboard(hub_server, f"Shop {evil}", ["+4915122220002"], "s@shop.ex")

    # Lockout: five wrong passwords, then even the right one is refused for a while.
    for _ in range(5):
        log_in(page, hub_server, "not the password")
        expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    shot(page, "13-login-error")
    log_in(page, hub_server)
    expect(page.get_by_role("alert")).to_contain_text("Too many failed attempts")
    emulator(hub_server, "/clock/advance", {"seconds": 15 * 60 + 1})
    log_in(page, hub_server)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    cookie = next(c for c in page.context.cookies() if c["name"] == "partnerhub_hub")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("partnerhub_hub=") == -1

    # Markup in names is shown as text (the dialog handler fails the test if a script ran).
    expect(page.locator("header .brand")).to_have_text(f"Acme {evil}")
    page.goto(f"{hub_server.base_url}/hub/clients")
    expect(page.locator("#numbers")).to_contain_text(f"Shop {evil}")
    shot(page, "14-escaped-names")

    for path in (f"/hub/clients/{other['client_id']}", f"/hub/channels/{other['channel_ids'][0]}"):
        response = page.goto(f"{hub_server.base_url}{path}")
        assert response is not None and response.status == 404
    shot(page, "15-not-found")

    forged = page.request.post(f"{hub_server.base_url}/hub/keys", form={"name": "forged"})
    assert forged.status == 403
    page.goto(f"{hub_server.base_url}/hub/keys")
    expect(page.locator("body")).not_to_contain_text("forged")


def test_every_page_on_a_phone(hub_server: LiveServer, browser: Browser) -> None:
    done = onboard(hub_server, "Corner Café", ["+4915133330001"], "c@cafe.ex")
    emulator(hub_server, "/clock/advance", {"seconds": STEP * 3 + 1})
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, hub_server)
        pages = {
            "overview": "/hub",
            "clients": "/hub/clients",
            "channel": f"/hub/channels/{done['channel_ids'][0]}",
            "keys": "/hub/keys",
            "settings": "/hub/settings",
            "deliveries": "/hub/deliveries",
            "usage": "/hub/usage",
            "account": "/hub/account",
        }
        for name, path in pages.items():
            page.goto(f"{hub_server.base_url}{path}")
            # Nothing wider than the screen: tables scroll inside their own box.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (name, width)
            shot(page, f"phone-{name}")
        # Keyboard: the skip link is the first stop and leads to the content.
        page.keyboard.press("Tab")
        expect(page.locator(".skip")).to_be_focused()
    finally:
        context.close()


def test_change_password_in_the_browser(hub_server: LiveServer, page: Page) -> None:
    """The account page: a wrong current password is refused in place; a change keeps this
    browser signed in and ends the user's bearer tokens (issue 20, finding 3)."""
    token = httpx.post(
        f"{hub_server.base_url}/api/v2/token",
        json={"username": hub_server.email, "password": hub_server.password},
    ).json()
    log_in(page, hub_server)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_label("Current password").fill("not-my-password")
    page.locator("#new_password").fill("browser-new-secret")
    page.get_by_label("New password, again").fill("browser-new-secret")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#current_password-error")).to_contain_text("current password")
    shot(page, "account-wrong-password")
    page.get_by_label("Current password").fill(hub_server.password)
    page.locator("#new_password").fill("browser-new-secret")
    page.get_by_label("New password, again").fill("browser-new-secret")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password was changed")
    page.goto(f"{hub_server.base_url}/hub")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()  # still signed in
    shot(page, "account-changed")
    refused = httpx.post(
        f"{hub_server.base_url}/api/v2/token", json={"refresh_token": token["refresh_token"]}
    )
    assert refused.status_code == 401


def test_the_number_page_shows_the_business_profile_and_picture(
    hub_server: LiveServer, page: Page
) -> None:
    picture = png(48, 48)
    done = onboard(hub_server, "Pizza Place", ["+4915111110009"], "p@pizza.ex")
    channel_id = done["channel_ids"][0]
    emulator(hub_server, f"/channels/{channel_id}/status", {"status": "running"})
    with api(hub_server) as partner_api:
        key = partner_api.post(f"/channels/{channel_id}/api_keys").json()["api_key"]
    headers = {"D360-API-KEY": key}
    with httpx.Client(base_url=hub_server.base_url, headers=headers) as messaging:
        session = messaging.post(
            "/uploads",
            params={"file_name": "logo.png", "file_length": len(picture), "file_type": "image/png"},
        ).json()["id"]
        handle = messaging.post(
            f"/{session}", headers={"file_offset": "0"}, content=picture
        ).json()["h"]
        updated = messaging.post(
            "/whatsapp_business_profile",
            json={
                "messaging_product": "whatsapp",
                "about": "Wood-fired since 1999",
                "websites": ["https://pizza.example"],
                "vertical": "RESTAURANT",
                "profile_picture_handle": handle,
            },
        )
        assert updated.status_code == 200, updated.text
    log_in(page, hub_server)
    page.goto(f"{hub_server.base_url}/hub/channels/{channel_id}")
    card = page.locator("#business-profile")
    expect(card).to_contain_text("Wood-fired since 1999")
    expect(card).to_contain_text("RESTAURANT")
    expect(card.get_by_role("link", name="https://pizza.example")).to_be_visible()
    image = page.get_by_role("img", name="Profile picture of +4915111110009")
    expect(image).to_be_visible()
    # Loaded and decoded under the page's CSP: the browser knows its real size.
    assert image.evaluate("img => img.complete && img.naturalWidth") == 48
    shot(page, "13-business-profile")
