"""Number migration (issue 18 item 4) over the Partner API and the emulator's controls."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import EMULATOR, PartnerCreds


def migrations_url(partner: PartnerCreds, client_id: str) -> str:
    return f"/api/v2/partners/{partner.partner_id}/clients/{client_id}/number_migrations"


async def set_two_step(client: httpx.AsyncClient, phone: str, enabled: bool) -> None:
    response = await client.post(
        f"/_emulator/numbers/{phone.lstrip('+')}/two_step",
        headers=EMULATOR,
        json={"enabled": enabled},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"phone_number": phone, "enabled": enabled}


async def otp(client: httpx.AsyncClient, channel_id: str) -> dict[str, Any]:
    response = await client.get(f"/_emulator/number_migrations/{channel_id}/code", headers=EMULATOR)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def force_status(client: httpx.AsyncClient, channel_id: str, status: str) -> None:
    response = await client.post(
        f"/_emulator/channels/{channel_id}/status", headers=EMULATOR, json={"status": status}
    )
    assert response.status_code in (200, 201), response.text


async def approve(client: httpx.AsyncClient, template_id: str) -> None:
    response = await client.post(
        f"/_emulator/templates/{template_id}/review", headers=EMULATOR, json={"status": "approved"}
    )
    assert response.status_code == 200, response.text
