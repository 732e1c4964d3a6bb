"""Issue 20, finding 9, over real HTTP: an idempotent replay shows a secret only to the credential
that created it; webhook header values are write-only on /hub/settings; the data directory and
the SQLite files are private to the server's user; an emulator listening beyond loopback warns.
"""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
from litestar import Litestar

from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds
from tests.helpers.api import assert_error
from tests.integration.hub_helpers import csrf_of, log_in
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient


def keys_url(partner: PartnerCreds) -> str:
    return f"/api/v2/partners/{partner.partner_id}/api_keys"


async def new_key(http: Client, partner: PartnerCreds, name: str) -> dict[str, Any]:
    made = await http.post(keys_url(partner), headers=partner.headers, json={"name": name})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


# 9c: Idempotency-Key replays -----------------------------------------------------------------


async def test_a_replay_shows_the_secret_only_to_the_credential_that_created_it(
    app: Litestar, client: Client, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        creator = await new_key(http, partner, "creator")
        colleague = await new_key(http, partner, "colleague")
        as_creator = {"X-API-Key": creator["api_key"], "Idempotency-Key": "create-prod-key"}
        as_colleague = {"X-API-Key": colleague["api_key"], "Idempotency-Key": "create-prod-key"}

        first = await http.post(keys_url(partner), headers=as_creator, json={"name": "prod"})
        assert first.status_code == 201, first.text
        secret = first.json()["api_key"]
        # The creator's retry learns the key it created.
        again = await http.post(keys_url(partner), headers=as_creator, json={"name": "prod"})
        assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
        assert again.json()["api_key"] == secret

        # Another key of the same partner, same Idempotency-Key, same request: a conflict,
        # without the secret, and nothing runs.
        stolen = await http.post(keys_url(partner), headers=as_colleague, json={"name": "prod"})
        meta = assert_error(stolen, 409, "Idempotency-Key")
        assert "another credential" in meta["developer_message"]
        assert secret not in stolen.text and "idempotent-replayed" not in stolen.headers

        # The creating key is revoked: it cannot replay, and nobody else can either.
        revoked = await http.delete(f"{keys_url(partner)}/{creator['id']}", headers=partner.headers)
        assert revoked.status_code == 204, revoked.text
        dead = await http.post(keys_url(partner), headers=as_creator, json={"name": "prod"})
        assert_error(dead, 401)
        later = await http.post(keys_url(partner), headers=as_colleague, json={"name": "prod"})
        assert_error(later, 409, "Idempotency-Key")
        assert secret not in dead.text + later.text
        listed = await http.get(keys_url(partner), headers=partner.headers, params={"limit": 50})
        assert sorted(k["name"] for k in listed.json()["api_keys"]) == [
            "colleague",
            "prod",
            "test",
        ]


async def test_a_login_replays_across_its_refreshes_but_not_to_an_api_key(
    app: Litestar, client: Client, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        logged_in = await http.post(
            "/api/v2/token", json={"username": partner.email, "password": partner.password}
        )
        assert logged_in.status_code == 200, logged_in.text
        tokens = logged_in.json()
        body = {"name": "from-a-login"}
        first = await http.post(
            keys_url(partner),
            headers={"Authorization": f"Bearer {tokens['access_token']}", "Idempotency-Key": "L"},
            json=body,
        )
        assert first.status_code == 201, first.text
        refreshed = await http.post(
            "/api/v2/token", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text
        access = refreshed.json()["access_token"]
        # The same login (token family) after a refresh: the same answer.
        again = await http.post(
            keys_url(partner),
            headers={"Authorization": f"Bearer {access}", "Idempotency-Key": "L"},
            json=body,
        )
        assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        other = await http.post(
            keys_url(partner), headers={**partner.headers, "Idempotency-Key": "L"}, json=body
        )
        assert_error(other, 409, "Idempotency-Key")
        assert first.json()["api_key"] not in other.text


# 9a: webhook header values on /hub/settings ---------------------------------------------------

RECEIVER_TOKEN = "Bearer receiver-secret-0123456789"


async def settings_form(http: Client) -> tuple[str, str, str]:
    """The settings page's CSRF token, webhook URL and headers text, as a browser shows them."""
    page = await http.get("/hub/settings")
    assert page.status_code == 200, page.text
    url = re.search(r'id="webhook_url" name="webhook_url" value="([^"]*)"', page.text)
    text = re.search(r'<textarea id="headers" name="headers"[^>]*>([^<]*)</textarea>', page.text)
    assert url is not None and text is not None, page.text
    return csrf_of(page.text), html.unescape(url.group(1)), html.unescape(text.group(1))


async def saved_headers(state: AppState, partner: PartnerCreds) -> dict[str, str]:
    async with state.uow() as uow:
        stored = await uow.partners.get(partner.partner_id)
        assert stored is not None
        return dict(stored.webhook_headers or {})


async def test_webhook_header_values_are_write_only_on_the_settings_page(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        configured = await http.post(
            f"/api/v2/partners/{partner.partner_id}/webhook_url",
            headers=partner.headers,
            json={
                "webhook_url": receiver.url,
                "headers": {"Authorization": RECEIVER_TOKEN, "X-Tenant": "pizza"},
            },
        )
        assert configured.status_code in (200, 201), configured.text
        assert (await log_in(http, partner.email, partner.password)).status_code == 303

        page = await http.get("/hub/settings")
        assert RECEIVER_TOKEN not in page.text and "receiver-secret" not in page.text
        csrf, url, text = await settings_form(http)
        assert text.splitlines() == ["Authorization: ****", "X-Tenant: ****"]

        # The form sent back as shown (another URL, say) keeps every saved value.
        saved = await http.post(
            "/hub/settings/webhook",
            data={"csrf_token": csrf, "webhook_url": receiver.url + "/v2", "headers": text},
        )
        assert saved.status_code == 200, saved.text
        assert "receiver-secret" not in saved.text
        assert await saved_headers(state, partner) == {
            "Authorization": RECEIVER_TOKEN,
            "X-Tenant": "pizza",
        }

        # A typed value replaces one; a line left out removes its header.
        csrf, url, text = await settings_form(http)
        replaced = await http.post(
            "/hub/settings/webhook",
            data={"csrf_token": csrf, "webhook_url": url, "headers": "Authorization: Bearer new"},
        )
        assert replaced.status_code == 200, replaced.text
        assert await saved_headers(state, partner) == {"Authorization": "Bearer new"}
        assert "Bearer new" not in replaced.text

        # The mask on a header with no saved value is an error naming the line, not "****".
        csrf, url, text = await settings_form(http)
        refused = await http.post(
            "/hub/settings/webhook",
            data={"csrf_token": csrf, "webhook_url": url, "headers": f"{text}\nX-New: ****"},
        )
        assert refused.status_code == 400, refused.text
        assert "Line 2: X-New has no saved value" in refused.text
        assert await saved_headers(state, partner) == {"Authorization": "Bearer new"}
