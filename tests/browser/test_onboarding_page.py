"""The integrated onboarding page in a real browser: Debian's Chromium driven by Playwright.

Never ``playwright install``: the system Chromium is used (``executable_path``). Without it these
tests skip, saying how to install it, unless PARTNERHUB_TEST_BROWSER=1 (CI), where a missing
browser fails the run. Screenshots of every step go to test-artifacts/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from partnerhub.domain.clients.signup import io_signature
from tests.e2e.conftest import LiveServer
from tests.helpers.browser import require_chromium
from tests.receiver import Receiver

require_chromium()

from playwright.sync_api import Browser, Page  # noqa: E402

from tests.helpers.browser import _api, _make_direct_paid, shot  # noqa: E402


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 900, "height": 1100})
    yield context.new_page()
    context.close()


def test_signup_with_two_numbers_and_permissions(
    live_server: LiveServer, receiver: Receiver, page: Page
) -> None:
    _make_direct_paid(live_server)
    with _api(live_server) as api:
        api.patch("", json={"partner_redirect_url": receiver.url.replace("/hook", "/done")})
    link = (
        f"{live_server.base_url}/dashboard/app/{live_server.partner_id}/permissions"
        "?state=s-42&email=ada@pizza.example"
    )
    page.goto(link)
    shot(page, "1-form")
    assert page.get_by_label("Email").input_value() == "ada@pizza.example"
    page.get_by_label("Company").fill("Pizza Place")
    page.get_by_label("Your name").fill("Ada")
    page.get_by_label("Password").fill("correct horse battery")
    page.locator("#phone_0").fill("+49 151 1111 2222")
    page.locator("#phone_name_0").fill("Pizza Main")
    page.locator("#phone_1").fill("+4915133334444")
    page.locator("input[name=permission_0]").check()
    page.locator("input[name=permission_1]").uncheck()
    shot(page, "2-filled")
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url(lambda url: "/done" in url, timeout=15000)
    shot(page, "3-back-at-partner")
    landed = parse_qs(urlsplit(page.url).query)
    assert landed["state"] == ["s-42"]
    channels = landed["channels"][0]
    assert channels.startswith("[") and channels.endswith("]")  # literal brackets
    channel_ids = channels[1:-1].split(",")
    assert len(channel_ids) == 2
    with _api(live_server) as api:
        listed = api.get("/channels").json()["partner_channels"]
        assert {c["id"] for c in listed} == set(channel_ids)
        permission = {c["setup_info"]["phone_number"]: c["permission"] for c in listed}
        assert permission == {"+4915111112222": True, "+4915133334444": False}
        assert api.get("/clients").json()["clients"][0]["id"] == landed["client"][0]


def test_validation_errors_are_shown_next_to_the_fields(
    live_server: LiveServer, receiver: Receiver, page: Page
) -> None:
    with _api(live_server) as api:
        api.patch("", json={"partner_redirect_url": receiver.url.replace("/hook", "/done")})
    page.goto(f"{live_server.base_url}/dashboard/app/{live_server.partner_id}/permissions")
    page.get_by_label("Email").fill("not-an-email")
    page.locator("#phone_0").fill("12345")
    page.get_by_role("button", name="Connect").click()
    shot(page, "4-errors")
    assert page.locator("#company-error").inner_text() == "Enter your company's name."
    assert "valid email" in page.locator("#email-error").inner_text()
    assert "international format" in page.locator("#phone_0-error").inner_text()
    assert "at least 10 characters" in page.locator("#password-error").inner_text()
    assert page.get_by_label("Email").input_value() == "not-an-email"  # nothing typed is lost
    assert page.locator("#email").get_attribute("aria-invalid") == "true"


def test_no_redirect_url_is_a_clear_page(live_server: LiveServer, page: Page) -> None:
    response = page.goto(
        f"{live_server.base_url}/dashboard/app/{live_server.partner_id}/permissions"
    )
    assert response is not None and response.status == 403
    assert "has not set up its redirect URL" in page.locator("[role=alert]").inner_text()
    shot(page, "5-no-redirect-url")


def test_io_signature_accepted_once_then_refused(
    live_server: LiveServer, receiver: Receiver, page: Page
) -> None:
    with _api(live_server) as api:
        api.patch("", json={"partner_redirect_url": receiver.url.replace("/hook", "/done")})
        secret = api.post("/platform_secret").json()["platform_secret"]
        assert api.patch("/settings/io_signature", json={"enabled": True}).json() == {
            "enabled": True
        }
    base = f"{live_server.base_url}/dashboard/app/{live_server.partner_id}/permissions"
    unsigned = page.goto(base)
    assert unsigned is not None and unsigned.status == 403
    assert "not signed" in page.locator("[role=alert]").inner_text()
    stamp = int(time.time())
    signature = io_signature(secret, live_server.partner_id, stamp)
    wrong = page.goto(f"{base}?signature={'0' * 128}&timestamp={stamp}")
    assert wrong is not None and wrong.status == 403
    stale_stamp = stamp - 3600
    stale = page.goto(
        f"{base}?signature={io_signature(secret, live_server.partner_id, stale_stamp)}"
        f"&timestamp={stale_stamp}"
    )
    assert stale is not None and "expired" in page.locator("[role=alert]").inner_text()
    link = f"{base}?signature={signature}&timestamp={stamp}&state=io"
    page.goto(link)
    page.get_by_label("Company").fill("Signed Co")
    page.get_by_label("Your name").fill("Bo")
    page.get_by_label("Email").fill("bo@signed.example")
    page.get_by_label("Password").fill("correct horse battery")
    page.locator("#phone_0").fill("+4915155556666")
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url(lambda url: "/done" in url, timeout=15000)
    assert parse_qs(urlsplit(page.url).query)["state"] == ["io"]
    reused = page.goto(link)
    shot(page, "6-signature-reused")
    assert reused is not None and reused.status == 403
    assert "already used" in page.locator("[role=alert]").inner_text()


def test_client_logs_in_later_revokes_one_number_and_adds_another(
    live_server: LiveServer, receiver: Receiver, page: Page
) -> None:
    _make_direct_paid(live_server)
    with _api(live_server) as api:
        api.patch("", json={"partner_redirect_url": receiver.url.replace("/hook", "/done")})
    base = f"{live_server.base_url}/dashboard/app/{live_server.partner_id}/permissions"
    page.goto(f"{base}?state=first")
    page.get_by_label("Company").fill("Taco Stand")
    page.get_by_label("Your name").fill("Cy")
    page.get_by_label("Email").fill("cy@taco.example")
    page.get_by_label("Password").fill("tacos are great 42")
    page.locator("#phone_0").fill("+4915177770001")
    page.locator("#phone_1").fill("+4915177770002")
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url(lambda url: "/done" in url, timeout=15000)
    signed_up = parse_qs(urlsplit(page.url).query)
    client_id = signed_up["client"][0]
    kept, dropped = signed_up["channels"][0][1:-1].split(",")

    page.goto(f"{base}?next=login&client_id={client_id}&connect_client_user=true&state=again")
    shot(page, "7-login")
    page.get_by_label("Email").fill("cy@taco.example")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Log in").click()
    assert page.locator("[role=alert]").inner_text() == "Wrong email or password."
    shot(page, "8-login-refused")
    page.get_by_label("Password").fill("tacos are great 42")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Your WhatsApp Business numbers").wait_for()
    assert page.locator(f"#grant_{kept}").is_checked()
    assert page.locator(f"#grant_{dropped}").is_checked()
    page.locator(f"#grant_{dropped}").uncheck()
    page.locator("#phone_0").fill("+49 151 7777 0003")
    page.locator("#phone_name_0").fill("Taco Late Night")
    shot(page, "9-manage")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(lambda url: "/done" in url, timeout=15000)
    shot(page, "10-back-at-partner")
    landed = parse_qs(urlsplit(page.url).query)
    assert landed["client"] == [client_id]
    assert landed["state"] == ["again"]
    assert landed["revoked"] == [f"[{dropped}]"]
    usable = landed["channels"][0][1:-1].split(",")
    assert kept in usable and dropped not in usable and len(usable) == 2
    assert any("/done?" in path for path in receiver.landings)
    with _api(live_server) as api:
        listed = api.get("/channels").json()["partner_channels"]
        permission = {c["setup_info"]["phone_number"]: c["permission"] for c in listed}
        assert permission == {
            "+4915177770001": True,
            "+4915177770002": False,
            "+4915177770003": True,
        }
        added = next(c for c in listed if c["setup_info"]["phone_number"] == "+4915177770003")
        assert added["id"] in usable and added["setup_info"]["phone_name"] == "Taco Late Night"


def test_page_shows_the_partner_logo_under_its_csp(
    live_server: LiveServer, receiver: Receiver, page: Page
) -> None:
    """The page's CSP lets exactly what it needs through: its stylesheet, the favicon and the
    partner's logo (another origin), and the 303 back to the partner after the form."""
    logo = receiver.url.replace("/hook", "/brand/logo.png")
    with _api(live_server) as api:
        api.patch(
            "",
            json={
                "brand_name": "Pizza Partners",
                "logo_url": logo,
                "partner_redirect_url": receiver.url.replace("/hook", "/done"),
            },
        )
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(
        f"{live_server.base_url}/dashboard/app/{live_server.partner_id}/permissions"
    )
    assert response is not None and response.headers["x-frame-options"] == "DENY"
    header = page.locator("header.partner")
    assert header.inner_text().strip() == "Pizza Partners"
    assert header.locator("img").get_attribute("src") == logo
    # The stylesheet (a file now, not inline) applies: the form sits in a 40rem card.
    assert page.locator("main").evaluate("e => getComputedStyle(e).maxWidth") == "640px"
    shot(page, "6-logo-and-brand")
    page.get_by_label("Company").fill("Pizza Place")
    page.get_by_label("Your name").fill("Ada")
    page.get_by_label("Email").fill("ada@pizza.example")
    page.get_by_label("Password").fill("correct horse battery")
    page.locator("#phone_0").fill("+4915155556666")
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url(lambda url: "/done" in url, timeout=15000)
    assert violations == []
