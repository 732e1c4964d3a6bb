"""The token endpoint under concurrent refreshes and with the fields OAuth clients commonly add."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import PartnerCreds
from tests.helpers.api import login

Client = httpx.AsyncClient


async def test_racing_refresh_requests_cannot_both_win(
    client: Client, partner: PartnerCreds
) -> None:
    for _ in range(5):
        refresh = (await login(client, partner))["refresh_token"]
        answers = await asyncio.gather(
            *(client.post("/api/v2/token", json={"refresh_token": refresh}) for _ in range(2))
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 401], codes
        # The winner's new session is revoked too: the token was presented twice.
        winner = next(a for a in answers if a.status_code == 200).json()
        again = await client.post("/api/v2/token", json={"refresh_token": winner["refresh_token"]})
        assert again.status_code == 401


async def test_token_accepts_common_oauth_client_fields(
    client: Client, partner: PartnerCreds
) -> None:
    response = await client.post(
        "/api/v2/token",
        data={
            "grant_type": "password",
            "username": partner.email,
            "password": partner.password,
            "client_id": "my-app",
            "scope": "openid",
        },
    )
    assert response.status_code == 200
