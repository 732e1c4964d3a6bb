"""Partner and client balances, usage, and making a partner direct-paid."""

from __future__ import annotations

from typing import Any

import httpx

from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds


async def make_direct_paid(state: AppState, partner: PartnerCreds) -> None:
    """The billing model is 360dialog-managed, so the test sets it in the database."""
    async with state.uow() as uow:
        found = await uow.partners.get(partner.partner_id)
        assert found is not None
        found.billing_model = "direct"
        await uow.commit()


async def set_partner_balance(
    client: httpx.AsyncClient, partner_id: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/_emulator/partners/{partner_id}/balance", headers=EMULATOR, json=body
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def partner_balance(client: httpx.AsyncClient, partner: PartnerCreds) -> dict[str, Any]:
    response = await client.get(
        f"/api/v2/partners/{partner.partner_id}/balance", headers=partner.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def usage_url(partner: PartnerCreds, client_id: str, channel_id: str) -> str:
    return (
        f"/api/v2/partners/{partner.partner_id}/clients/{client_id}/channels/{channel_id}"
        "/info/usage"
    )


async def channel_usage(
    client: httpx.AsyncClient, partner: PartnerCreds, client_id: str, channel_id: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        usage_url(partner, client_id, channel_id), headers=partner.headers, params=params
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
