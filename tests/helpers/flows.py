"""A published WhatsApp Flow on a WABA, made through the Partner API as a partner would."""

from __future__ import annotations

import json

import httpx

from tests.conftest import PartnerCreds
from tests.helpers import flow_json


async def published_flow(
    client: httpx.AsyncClient, partner: PartnerCreds, waba_id: str, name: str = "booking"
) -> str:
    """Create, upload a valid Flow JSON, publish; answers the Flow's id."""
    url = f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}/flows"
    created = await client.post(
        url, headers=partner.headers, json={"name": name, "categories": ["APPOINTMENT_BOOKING"]}
    )
    assert created.status_code == 200, created.text
    flow_id: str = created.json()["id"]
    uploaded = await client.post(
        f"{url}/{flow_id}/assets",
        headers=partner.headers,
        data={"name": "flow.json", "asset_type": "FLOW_JSON"},
        files={"file": ("flow.json", json.dumps(flow_json.SIGN_UP).encode(), "application/json")},
    )
    assert uploaded.status_code == 200 and uploaded.json()["validation_errors"] == [], uploaded.text
    published = await client.post(f"{url}/{flow_id}/publish", headers=partner.headers)
    assert published.status_code == 200, published.text
    return flow_id
