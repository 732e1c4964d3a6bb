"""POST /api/v2/token: password and refresh grants, rotation, reuse detection (spec §2.2)."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds
from tests.helpers.api import assert_error, assert_oauth_error, login

Client = httpx.AsyncClient


async def test_password_grant_json(client: Client, partner: PartnerCreds) -> None:
    body = await login(client, partner)
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert {"exp", "iat", "sub", "partner_id", "jti"} <= set(claims)
    assert claims["partner_id"] == partner.partner_id
    assert claims["exp"] - claims["iat"] == 86400
    me = await client.get(
        f"/api/v2/partners/{partner.partner_id}",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert me.status_code == 200


async def test_password_grant_form_encoded(client: Client, partner: PartnerCreds) -> None:
    response = await client.post(
        "/api/v2/token", data={"username": partner.email, "password": partner.password}
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
    assert response.headers["cache-control"] == "no-store"


async def test_email_is_case_insensitive(client: Client, partner: PartnerCreds) -> None:
    response = await client.post(
        "/api/v2/token", json={"username": partner.email.upper(), "password": partner.password}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"username": "nobody@example.com", "password": "whatever-long"}, 401, "invalid_grant"),
        ({"username": "__EMAIL__", "password": "wrong-password"}, 401, "invalid_grant"),
        ({"username": "__EMAIL__"}, 400, "invalid_request"),
        ({}, 400, "invalid_request"),
        ({"username": 5, "password": "x"}, 400, "invalid_request"),
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({"refresh_token": "phr_made_up"}, 401, "invalid_grant"),
        ({"grant_type": "refresh_token"}, 400, "invalid_request"),
        ({"unexpected": "field"}, 400, "invalid_request"),
    ],
)
async def test_token_errors_use_the_oauth_shape(
    client: Client, partner: PartnerCreds, body: dict[str, Any], status: int, error: str
) -> None:
    body = {k: (partner.email if v == "__EMAIL__" else v) for k, v in body.items()}
    assert_oauth_error(await client.post("/api/v2/token", json=body), status, error)


async def test_malformed_token_body_is_400(client: Client) -> None:
    response = await client.post(
        "/api/v2/token", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert_oauth_error(response, 400, "invalid_request")


async def test_refresh_rotates_and_reuse_revokes_the_family(
    client: Client, partner: PartnerCreds
) -> None:
    first = await login(client, partner)
    refreshed = await client.post("/api/v2/token", json={"refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    info = f"/api/v2/partners/{partner.partner_id}"
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert (await client.get(info, headers=bearer)).status_code == 200

    # Replaying the used refresh token: refused, and the whole login dies with it.
    replay = await client.post("/api/v2/token", json={"refresh_token": first["refresh_token"]})
    assert_oauth_error(replay, 401, "invalid_grant")
    assert_error(await client.get(info, headers=bearer), 401)
    later = await client.post("/api/v2/token", json={"refresh_token": second["refresh_token"]})
    assert_oauth_error(later, 401, "invalid_grant")
    # A fresh login is unaffected.
    fresh = await login(client, partner)
    fresh_bearer = {"Authorization": f"Bearer {fresh['access_token']}"}
    assert (await client.get(info, headers=fresh_bearer)).status_code == 200


async def test_refresh_grant_with_explicit_grant_type_and_form(
    client: Client, partner: PartnerCreds
) -> None:
    first = await login(client, partner)
    response = await client.post(
        "/api/v2/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )
    assert response.status_code == 200


async def test_access_token_expires_on_the_virtual_clock(
    client: Client, partner: PartnerCreds, clock: VirtualClock
) -> None:
    token = (await login(client, partner))["access_token"]
    info = f"/api/v2/partners/{partner.partner_id}"
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get(info, headers=bearer)).status_code == 200
    clock.advance(86400 + 1)
    meta = assert_error(await client.get(info, headers=bearer), 401)
    assert "expired" in meta["developer_message"]


async def test_refresh_token_expires_after_thirty_days(
    client: Client, partner: PartnerCreds, clock: VirtualClock
) -> None:
    refresh = (await login(client, partner))["refresh_token"]
    clock.advance(30 * 86400 + 1)
    response = await client.post("/api/v2/token", json={"refresh_token": refresh})
    assert_oauth_error(response, 401, "invalid_grant")


async def test_partner_can_switch_bearer_auth_off(
    client: Client, partner: PartnerCreds, state: AppState
) -> None:
    token = (await login(client, partner))["access_token"]
    async with state.uow() as uow:
        stored = await uow.partners.get(partner.partner_id)
        assert stored is not None
        stored.bearer_auth_enabled = False
        await uow.commit()
    denied = await client.post(
        "/api/v2/token", json={"username": partner.email, "password": partner.password}
    )
    assert_oauth_error(denied, 403, "access_denied")
    assert_error(
        await client.get(
            f"/api/v2/partners/{partner.partner_id}", headers={"Authorization": f"Bearer {token}"}
        ),
        401,
    )
    # API keys keep working.
    ok = await client.get(f"/api/v2/partners/{partner.partner_id}", headers=partner.headers)
    assert ok.status_code == 200
