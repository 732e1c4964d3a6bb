"""Onboarding a client through the emulator, and the webhook events partners receive."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import EMULATOR, PartnerCreds
from tests.receiver import Receiver


async def onboard(
    client: httpx.AsyncClient,
    partner: PartnerCreds,
    numbers: list[Any],
    name: str = "Pizza Place",
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(
        "/_emulator/onboard",
        headers=EMULATOR,
        json={
            "partner_id": partner.partner_id,
            "client": {
                "name": name,
                "email": "owner@pizza.example",
                "contact_name": "Ada",
                **extra,
            },
            "phone_numbers": numbers,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def events(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.requests]
