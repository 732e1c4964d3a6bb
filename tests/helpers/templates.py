"""Message template bodies and the template endpoints of a WABA."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import PartnerCreds
from tests.helpers.clients import onboard


def simple(name: str, language: str = "en", category: str = "MARKETING") -> dict[str, Any]:
    return {
        "name": name,
        "category": category,
        "language": language,
        "components": [{"type": "BODY", "text": "Hello there"}],
    }


def url(partner: PartnerCreds, waba_id: str) -> str:
    return f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}/waba_templates"


async def waba_of(
    client: httpx.AsyncClient, partner: PartnerCreds, phone: str = "+4915111111111"
) -> str:
    done = await onboard(client, partner, [phone])
    return str(done["waba_account_id"])


async def create(
    client: httpx.AsyncClient, partner: PartnerCreds, waba_id: str, template: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(url(partner, waba_id), headers=partner.headers, json=template)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def listing(
    client: httpx.AsyncClient, partner: PartnerCreds, waba_id: str, **params: Any
) -> dict[str, Any]:
    if "filters" in params:
        params["filters"] = json.dumps(params["filters"])
    response = await client.get(url(partner, waba_id), headers=partner.headers, params=params)
    assert response.status_code == 200, response.text
    listed: dict[str, Any] = response.json()
    return listed
