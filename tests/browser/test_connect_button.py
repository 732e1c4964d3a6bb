"""360dialog's own Connect Button, from npm, against a running partnerhub (issue 14, item 1).

A partner embeds ``360dialog-connect-button`` (React). Clicking it opens a popup on
``{hub}/dashboard/app/{partner_id}?number=…&…``; after the signup the hub sends the popup to the
partner's redirect URL, where the same component posts the query string to its opener
(``window.opener.postMessage``) and closes the popup; the opener puts it in its own location and
the component's ``processCallback()`` hands ``{client, channels, revokedChannels}`` to the
partner's callback. This test runs exactly that code: the real package at a pinned version,
installed from the npm registry into a per-session temporary folder with React, bundled with
esbuild (also from npm), served by a small partner app on a loopback port.

The package has no base-URL option: its ``env="local"`` environment opens
``http://localhost:8082/dashboard/app``. Rather than taking port 8082, the browser context routes
every request for that origin to the test's server (``route.continue_`` with the URL rewritten);
any request for a host other than the loopback is aborted and fails the test, so nothing leaves
the machine. Without npm or its registry the tests skip, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from tests.e2e.conftest import LiveServer
from tests.helpers.browser import _api, _make_direct_paid, shot

# Pinned: the component's URL scheme changed between 0.8 (…/permissions) and 1.0 (no suffix).
PACKAGES = {
    "360dialog-connect-button": "1.0.2",
    "react": "18.3.1",
    "react-dom": "18.3.1",
    "esbuild": "0.25.12",
}
# Under pytest-xdist every test here runs on one worker, so the package is bundled once.
pytestmark = pytest.mark.xdist_group("connect_button")

LOCAL_HUB = "http://localhost:8082"  # the package's env="local" (v1) base, from its dist code
PASSWORD = "correct horse battery"
APP_SOURCE = """\
import React from 'react';
import { createRoot } from 'react-dom/client';
import { ConnectButton } from '360dialog-connect-button';

const config = window.CONNECT_CONFIG;
const seen = [];
function callback(result) {
  seen.push(result);
  window.connectCallbacks = seen;
  document.getElementById('result').textContent = JSON.stringify(seen);
}
createRoot(document.getElementById('root')).render(
  <ConnectButton
    partnerId={config.partnerId}
    env="local"
    requestedNumber={config.requestedNumber}
    queryParameters={config.queryParameters}
    callback={callback}
    label="Connect WhatsApp"
  />
);
"""
NETWORK_ERRORS = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "network")


def _npm(folder: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["npm", *args, "--no-audit", "--no-fund", "--no-update-notifier"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _first_error(output: str) -> str:
    """npm's own reason (``FetchError: request to … failed, reason: …``), not its advice."""
    lines = [line.removeprefix("npm error").strip() for line in output.splitlines()]
    reasons = [line for line in lines if "Error" in line or "reason" in line]
    return (reasons or lines or ["no output"])[0][:300]


@pytest.fixture(scope="session")
def connect_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The partner app's script: the real package and React from npm, bundled once a session."""
    if shutil.which("npm") is None:
        if os.environ.get("PARTNERHUB_TEST_BROWSER") == "1":
            pytest.fail("npm is missing (install it: apt-get install npm)", pytrace=False)
        pytest.skip("npm not found: apt-get install npm to run the Connect Button test")
    folder = tmp_path_factory.mktemp("connect-button")
    (folder / "package.json").write_text(
        json.dumps({"private": True, "dependencies": PACKAGES}, indent=2)
    )
    try:
        pinged = _npm(folder, "ping", "--fetch-retries=0", "--fetch-timeout=15000", timeout=30)
    except subprocess.TimeoutExpired:
        pytest.skip("npm cannot reach its registry (npm ping timed out)")
    if pinged.returncode != 0:
        pytest.skip(f"npm cannot reach its registry: {_first_error(pinged.stderr)}")
    # No install scripts: esbuild's binary comes as its optional @esbuild/<platform> package.
    # The versions are exact, so what npm's own cache (~/.npm) holds is used without asking.
    installed = _npm(
        folder, "install", "--ignore-scripts", "--prefer-offline", "--loglevel=error", timeout=300
    )
    if installed.returncode != 0:
        output = installed.stdout + installed.stderr
        if any(marker in output for marker in NETWORK_ERRORS):
            pytest.skip(f"npm could not download the packages: {_first_error(output)}")
        raise AssertionError(f"npm install failed:\n{output}")
    (folder / "app.jsx").write_text(APP_SOURCE)
    bundled = subprocess.run(
        [
            str(folder / "node_modules" / ".bin" / "esbuild"),
            "app.jsx",
            "--bundle",
            "--outfile=app.js",
            '--define:process.env.NODE_ENV="production"',
            "--log-level=warning",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bundled.returncode == 0, bundled.stderr
    return folder / "app.js"


@dataclass
class PartnerApp:
    """The partner's web app: the button on every path, so its redirect URL is the same page."""

    url: str
    config: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def partner_app(connect_bundle: Path) -> Iterator[PartnerApp]:
    script = connect_bundle.read_bytes()
    app = PartnerApp(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/app.js":
                body, kind = script, "text/javascript"
            else:
                config = json.dumps(app.config).replace("</", "<\\/")
                body = (
                    '<!doctype html><html><head><meta charset="utf-8"><title>Partner app</title>'
                    '</head><body><div id="root"></div><pre id="result"></pre>'
                    f"<script>window.CONNECT_CONFIG = {config};</script>"
                    '<script src="/app.js"></script></body></html>'
                ).encode()
                kind = "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    app.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Routed:
    context: BrowserContext
    page: Page
    left_the_machine: list[str]


@pytest.fixture
def routed(browser: Browser, live_server: LiveServer) -> Iterator[Routed]:
    """A browser context where the button's local hub is the test's server, and only that."""
    context = browser.new_context(viewport={"width": 900, "height": 1100})
    refused: list[str] = []

    def route(request: Route) -> None:
        url = request.request.url
        if url.startswith(LOCAL_HUB + "/"):
            # Fetched here and fulfilled as the local hub's own answer: a rewritten
            # ``continue_`` reaches the browser as a redirect to another origin, which the
            # onboarding page's Content-Security-Policy (style-src, form-action) rightly
            # refuses. Redirects (the 303 to the partner's app) are left to the browser.
            answer = request.fetch(
                url=live_server.base_url + url[len(LOCAL_HUB) :], max_redirects=0
            )
            request.fulfill(response=answer)
        elif urlsplit(url).hostname == "127.0.0.1":
            request.continue_()
        else:
            refused.append(url)
            request.abort()

    context.route("**/*", route)
    yield Routed(context, context.new_page(), refused)
    context.close()
    assert refused == [], f"requests that would have left the machine: {refused}"


def connect(routed: Routed, app: PartnerApp, fill: Callable[[Page], None]) -> dict[str, Any]:
    """Click the button, complete the popup with ``fill``, return what the callback received."""
    page = routed.page
    page.goto(app.url)
    with page.expect_popup(timeout=15000) as opened:
        page.get_by_role("button", name="Connect WhatsApp").click()
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url.startswith(f"{LOCAL_HUB}/dashboard/app/{app.config['partnerId']}")
    fill(popup)
    # The popup lands on the app, posts its query to the opener and closes; the opener moves
    # to that query and its component calls back.
    page.wait_for_url(lambda url: "client=" in url, timeout=15000)
    page.wait_for_function("(window.connectCallbacks || []).length > 0", timeout=15000)
    if not popup.is_closed():
        popup.wait_for_event("close", timeout=15000)
    results: list[dict[str, Any]] = page.evaluate("window.connectCallbacks")
    assert routed.left_the_machine == []
    assert len(results) == 1
    return results[0]


def test_signup_through_the_connect_button(
    live_server: LiveServer, partner_app: PartnerApp, routed: Routed
) -> None:
    with _api(live_server) as api:
        assert api.patch("", json={"partner_redirect_url": partner_app.url}).status_code == 200
    partner_app.config = {
        "partnerId": live_server.partner_id,
        "requestedNumber": "+4915112340001",
        "queryParameters": {"email": "ada@pizza.example", "name": "Ada", "state": "s-1"},
    }

    def sign_up(popup: Page) -> None:
        assert "number=+4915112340001" in popup.url  # the button does not encode it
        assert popup.locator("#phone_0").input_value() == "+4915112340001"
        assert popup.get_by_label("Email").input_value() == "ada@pizza.example"
        assert popup.get_by_label("Your name").input_value() == "Ada"
        popup.get_by_label("Company").fill("Pizza Place")
        popup.get_by_label("Password").fill(PASSWORD)
        shot(popup, "connect-button-1-popup")
        popup.get_by_role("button", name="Connect").click()

    result = connect(routed, partner_app, sign_up)
    shot(routed.page, "connect-button-2-callback")
    assert set(result) == {"client", "channels"}
    assert parse_qs(urlsplit(routed.page.url).query)["state"] == ["s-1"]
    with _api(live_server) as api:
        listed = api.get("/channels").json()["partner_channels"]
    assert [c["id"] for c in listed] == result["channels"]
    assert listed[0]["client_id"] == result["client"]
    assert listed[0]["setup_info"]["phone_number"] == "+4915112340001"


def test_permission_change_through_the_connect_button_reports_revoked(
    live_server: LiveServer, partner_app: PartnerApp, routed: Routed
) -> None:
    _make_direct_paid(live_server)
    with _api(live_server) as api:
        assert api.patch("", json={"partner_redirect_url": partner_app.url}).status_code == 200
    partner_app.config = {
        "partnerId": live_server.partner_id,
        "requestedNumber": "+4915112340002",
        "queryParameters": {"email": "cy@taco.example", "name": "Cy", "state": "first"},
    }

    def sign_up(popup: Page) -> None:
        popup.get_by_label("Company").fill("Taco Stand")
        popup.get_by_label("Password").fill(PASSWORD)
        popup.locator("#phone_1").fill("+4915112340003")
        assert popup.locator("input[name=permission_0]").is_checked()
        popup.get_by_role("button", name="Connect").click()

    signed_up = connect(routed, partner_app, sign_up)
    client_id = signed_up["client"]
    kept, dropped = signed_up["channels"]
    assert "revokedChannels" not in signed_up

    partner_app.config = {
        "partnerId": live_server.partner_id,
        "queryParameters": {"next": "login", "state": "again"},
    }

    def revoke(popup: Page) -> None:
        popup.get_by_label("Email").fill("cy@taco.example")
        popup.get_by_label("Password").fill(PASSWORD)
        popup.get_by_role("button", name="Log in").click()
        popup.get_by_role("heading", name="Your WhatsApp Business numbers").wait_for()
        popup.locator(f"#grant_{dropped}").uncheck()
        shot(popup, "connect-button-3-manage")
        popup.get_by_role("button", name="Save").click()

    changed = connect(routed, partner_app, revoke)
    assert changed == {"client": client_id, "channels": [kept], "revokedChannels": [dropped]}
    assert parse_qs(urlsplit(routed.page.url).query)["state"] == ["again"]
    with _api(live_server) as api:
        listed = api.get("/channels").json()["partner_channels"]
    assert {c["id"]: c["permission"] for c in listed} == {kept: True, dropped: False}
    assert {c["client_id"] for c in listed} == {client_id}
