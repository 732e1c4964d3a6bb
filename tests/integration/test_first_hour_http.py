"""A new user's first hour (issue 19), over HTTP: a webhook URL disabled by a 410 says so, the
emulator's reset has scopes, the onboarding page is as locked down as the dashboard, and the
polish items (``/docs``, the usage page, the CSV export, the lockout message, lone surrogates,
every bad template field at once)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from partnerhub.app import create_app
from partnerhub.client import AsyncPartnerClient
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds, running
from tests.helpers.api import assert_error
from tests.helpers.clock import advance, eventually
from tests.helpers.webhooks import send_test, setup_webhook
from tests.integration.hub_helpers import log_in
from tests.receiver import Receiver

Client = httpx.AsyncClient


def _csp(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


# ---------------------------------------------------------------- item 6: 410 Gone


async def test_a_webhook_url_disabled_by_410_says_so_until_set_again(
    client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    base = f"/api/v2/partners/{partner.partner_id}"
    await setup_webhook(client, partner, receiver)
    # While it works, the answers are 360dialog's exactly.
    assert (await client.get(f"{base}/webhook_url", headers=partner.headers)).json() == {
        "webhook_url": receiver.url
    }
    assert "webhook_disabled_at" not in (await client.get(base, headers=partner.headers)).json()
    receiver.status = 410
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    await advance(client, 0)

    url = (await client.get(f"{base}/webhook_url", headers=partner.headers)).json()
    assert url["webhook_url"] == receiver.url
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", url["webhook_disabled_at"])
    assert "410 Gone" in url["webhook_disabled_reason"]
    info = (await client.get(base, headers=partner.headers)).json()
    assert info["webhook_disabled_at"] == url["webhook_disabled_at"]
    assert info["webhook_disabled_reason"] == url["webhook_disabled_reason"]
    # The SDK's models carry them too.
    async with AsyncPartnerClient(
        partner.partner_id,
        api_key=partner.api_key,
        base_url=str(client.base_url),
        http_client=client,
    ) as sdk:
        status = await sdk.webhook.status()
        assert status.webhook_disabled_at == url["webhook_disabled_at"]
        assert (await sdk.partner.get()).webhook_disabled_reason == url["webhook_disabled_reason"]

    # The dashboard shows a banner on every page.
    assert (await log_in(client, partner.email, partner.password)).status_code == 303
    for page in ("/hub", "/hub/settings", "/hub/clients"):
        html = (await client.get(page)).text
        assert 'id="webhook-disabled"' in html and "410 Gone" in html, page

    # Setting it again (even the same URL) re-enables it, and the state is gone everywhere.
    receiver.status = 200
    await setup_webhook(client, partner, receiver)
    assert (await client.get(f"{base}/webhook_url", headers=partner.headers)).json() == {
        "webhook_url": receiver.url
    }
    assert "webhook_disabled_at" not in (await client.get(base, headers=partner.headers)).json()
    assert 'id="webhook-disabled"' not in (await client.get("/hub")).text


async def test_openapi_documents_the_disabled_state(client: Client) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for name in ("Partner", "WebhookUrlOut"):
        properties = schemas[name]["properties"]
        assert "webhook_disabled_at" in properties and "webhook_disabled_reason" in properties
        assert "webhook_disabled_at" not in schemas[name].get("required", [])


# ---------------------------------------------------------------- item 8: reset scopes


async def _reset(client: Client, body: Any = None) -> dict[str, Any]:
    response = await client.post(
        "/_emulator/reset",
        headers=EMULATOR,
        **({} if body is None else {"json": body}),  # type: ignore[arg-type]
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_reset_scopes(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    await setup_webhook(client, partner, receiver)
    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 1)
    await advance(client, 3600)
    sent = "/_emulator/webhooks/sent"

    # No body: what a reset always did (the log goes, the clock stays).
    done = await _reset(client)
    assert done["scope"] == "data" and done["offset_seconds"] >= 3600
    assert (await client.get(sent, headers=EMULATOR)).json()["sent"] == []

    await send_test(client, partner)
    await eventually(lambda: len(receiver.requests) == 2)
    await advance(client, 0)
    # Clock only: back to real time, the delivery log kept.
    done = await _reset(client, {"scope": "clock"})
    assert done["scope"] == "clock" and done["offset_seconds"] == 0
    assert (await client.get("/_emulator/clock", headers=EMULATOR)).json()["offset_seconds"] == 0
    assert len((await client.get(sent, headers=EMULATOR)).json()["sent"]) == 1
    # The clock moves on from there, and a process reading the database follows the reset.
    assert (await advance(client, 60))["offset_seconds"] == 60
    other = VirtualClock()
    other.catch_up(7200, 0)  # a process that saw the old epoch's offset
    async with state.uow() as uow:
        emulator = await uow.webhooks.emulator_state()
        other.catch_up(emulator.clock_offset_seconds, emulator.clock_epoch)
    assert other.offset_seconds == 60

    done = await _reset(client, {"scope": "all"})
    assert done["offset_seconds"] == 0
    assert (await client.get(sent, headers=EMULATOR)).json()["sent"] == []
    assert (await _reset(client, {}))["scope"] == "data"
    bad = await client.post("/_emulator/reset", headers=EMULATOR, json={"scope": "world"})
    assert_error(bad, 400, "scope")


def test_clock_epochs() -> None:
    clock = VirtualClock()
    clock.advance(100)
    clock.catch_up(50, 0)
    assert clock.offset_seconds == 100  # an older offset of the same epoch: ignored
    clock.catch_up(10, 1)
    assert clock.offset_seconds == 10 and clock.epoch == 1  # a reset: adopted as it is
    clock.catch_up(500, 0)
    assert clock.offset_seconds == 10  # a stale epoch: ignored


# ---------------------------------------------------------------- item 9: onboarding page


async def test_onboarding_page_is_locked_down_and_branded(
    client: Client, partner: PartnerCreds
) -> None:
    base = f"/api/v2/partners/{partner.partner_id}"
    patched = await client.patch(
        base,
        headers=partner.headers,
        json={
            "brand_name": "Acme <Messaging>",
            "logo_url": "https://cdn.acme.example:8443/brand/logo.png",
            "partner_redirect_url": "https://app.acme.example/whatsapp/done",
        },
    )
    assert patched.status_code == 200, patched.text
    page_url = f"/dashboard/app/{partner.partner_id}/permissions"
    pages = [
        await client.get(page_url),
        await client.get(page_url, params={"next": "login"}),
        await client.post(page_url, data={"company": ""}),  # the form again, with errors
    ]
    for page in pages:
        assert page.status_code in (200, 400), page.text
        csp = _csp(page)
        assert csp["default-src"] == "'none'"
        assert csp["frame-ancestors"] == "'none'"
        assert csp["style-src"] == "'self'" and "script-src" not in csp
        assert csp["img-src"] == "'self' https://cdn.acme.example:8443"
        assert csp["form-action"] == "'self' https://app.acme.example"
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "same-origin"
        assert "cross-origin-opener-policy" not in page.headers  # the popup keeps its opener
        html = page.text
        assert '<img src="https://cdn.acme.example:8443/brand/logo.png" alt="">' in html
        assert "Acme &lt;Messaging&gt;" in html and "<Messaging>" not in html
        assert 'href="/hub/static/favicon.svg"' in html and "<style" not in html
    refused = await client.get("/dashboard/app/nobodyPA/permissions")
    assert refused.status_code == 404 and refused.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in refused.headers["content-security-policy"]

    favicon = await client.get("/hub/static/favicon.svg")
    assert favicon.status_code == 200 and favicon.headers["content-type"] == "image/svg+xml"
    assert favicon.text.startswith("<svg")
    css = await client.get("/hub/static/onboarding.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".partner img" in css.text


async def test_onboarding_page_without_logo_allows_only_itself(
    client: Client, partner: PartnerCreds
) -> None:
    page = await client.get(f"/dashboard/app/{partner.partner_id}/permissions")
    csp = _csp(page)
    assert csp["img-src"] == "'self'"
    assert "<img" not in page.text


# ---------------------------------------------------------------- item 10: polish


async def test_docs_name_the_emulator_token_and_render_code(client: Client) -> None:
    schema = (await client.get("/openapi.json")).json()
    scheme = schema["components"]["securitySchemes"]["EmulatorToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        if path.startswith("/_emulator"):
            for operation in operations.values():
                assert operation["security"] == [{"EmulatorToken": []}], path
                assert {"401", "404"} <= set(operation["responses"]), path
    reset = schema["paths"]["/_emulator/reset"]["post"]["requestBody"]
    assert reset["required"] is False  # no body is the default scope
    advance = schema["paths"]["/_emulator/clock/advance"]["post"]["requestBody"]
    assert advance["required"] is True
    docs = (await client.get("/docs")).text
    assert "`" not in docs.split("<h2>Schemas</h2>")[0]
    assert "<code>X-API-Key</code>" in docs
    row = re.search(r"<code>/_emulator/reset</code>.*?</tr>", docs)
    assert row is not None and "EmulatorToken" in row.group()


async def _onboard(client: Client, partner: PartnerCreds, name: str, phone: str) -> str:
    response = await client.post(
        "/_emulator/onboard",
        headers=EMULATOR,
        json={
            "partner_id": partner.partner_id,
            "client": {"name": name, "email": f"{name.lower()}@example.com"},
            "phone_numbers": [phone],
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["client_id"])


async def test_usage_page_reads_client_and_an_empty_axis_counts(
    client: Client, partner: PartnerCreds
) -> None:
    await _onboard(client, partner, "Pizza", "+4915112340001")
    second = await _onboard(client, partner, "Bakery", "+4915112340002")
    assert (await log_in(client, partner.email, partner.password)).status_code == 303
    for parameter in ("client", "client_id"):
        page = await client.get("/hub/usage", params={parameter: second})
        assert page.status_code == 200
        assert re.search(r"<p>Bakery: <strong id=\"total-messages\">0</strong>", page.text)
        chart = re.search(r'<svg class="chart"[^>]*id="messages-chart".*?</svg>', page.text, re.S)
        assert chart is not None
        ticks = re.findall(r'text-anchor="end"[^>]*>([^<]+)</text>', chart.group())
        assert ticks == ["0", "1", "2", "3", "4"]


async def test_csv_export_names_its_charset_once(client: Client, partner: PartnerCreds) -> None:
    assert (await log_in(client, partner.email, partner.password)).status_code == 303
    export = await client.get("/hub/clients.csv")
    assert export.status_code == 200
    assert export.headers["content-type"] == "text/csv; charset=utf-8"


async def test_hub_lockout_says_how_long(
    client: Client, partner: PartnerCreds, state: AppState
) -> None:
    for _ in range(state.settings.hub_login_max_failures + 1):
        answer = await log_in(client, partner.email, "wrong-password-here")
    assert answer.status_code == 429
    assert "Wait 15 minutes before trying again" in answer.text


@pytest.mark.parametrize(
    "escape", ["\\ud800", "\\udfff", "x\\ud83d", "\\ude00x"], ids=["high", "low", "end", "start"]
)
async def test_a_lone_surrogate_is_named(
    client: Client, partner: PartnerCreds, escape: str
) -> None:
    response = await client.patch(
        f"/api/v2/partners/{partner.partner_id}",
        headers={**partner.headers, "Content-Type": "application/json"},
        content=('{"brand_name": "' + escape + '"}').encode(),
    )
    meta = assert_error(response, 400, "body")
    assert "lone UTF-16 surrogate" in meta["developer_message"]
    assert "truncated" not in meta["developer_message"]
    # A proper pair is a character like any other.
    paired = await client.patch(
        f"/api/v2/partners/{partner.partner_id}",
        headers={**partner.headers, "Content-Type": "application/json"},
        content=b'{"brand_name": "Acme \\ud83d\\ude00"}',
    )
    assert paired.status_code == 200 and paired.json()["brand_name"] == "Acme \U0001f600"


async def test_template_validation_reports_every_bad_field(
    client: Client, partner: PartnerCreds
) -> None:
    onboarded = await client.post(
        "/_emulator/onboard",
        headers=EMULATOR,
        json={
            "partner_id": partner.partner_id,
            "client": {"name": "Pizza", "email": "pizza@example.com"},
            "phone_numbers": ["+4915112340003"],
        },
    )
    waba = onboarded.json()["waba_account_id"]
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba}/waba_templates",
        headers=partner.headers,
        json={
            "name": "Order Update",
            "category": "UTILITY",
            "language": "english",
            "components": [
                {"type": "BODY", "text": "Hi {{1}}"},
                {"type": "FOOTER", "text": ""},
                {
                    "type": "BUTTONS",
                    "buttons": [
                        {"type": "URL", "text": "Open", "url": "ftp://example.com"},
                        {"type": "SMOKE_SIGNAL", "text": "x"},
                    ],
                },
            ],
        },
    )
    meta = assert_error(response, 400, "name")
    fields = [detail.split(":", 1)[0] for detail in meta["details"]]
    assert fields == [
        "name",
        "language",
        "components[0].example.body_text",
        "components[1].text",
        "components[2].buttons[0].url",
        "components[2].buttons[1].type",
    ]
    assert all(detail in meta["developer_message"] for detail in meta["details"])


def _absolute(path: Path) -> str:
    return str(path.resolve())


async def test_livez_names_the_instance_but_no_path_in_hub_mode(
    settings: Settings, tmp_path: Path
) -> None:
    data_dir = _absolute(tmp_path)
    for mode in ("emulator", "hub"):
        app = create_app(settings.model_copy(update={"mode": mode, "instance_id": f"{mode}-1"}))
        async with running(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                for path in ("/livez", "/readyz"):
                    answer = (await http.get(path)).json()
                    assert answer["instance_id"] == f"{mode}-1", (mode, path)
                    if mode == "hub":  # public endpoints name no file system paths
                        assert "data_dir" not in answer
                    else:
                        assert answer["data_dir"] == data_dir
