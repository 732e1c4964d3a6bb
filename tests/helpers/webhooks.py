"""A partner's webhook set up against the test receiver, test sends, the delivery log."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import PartnerCreds
from tests.receiver import Receiver


async def setup_webhook(
    client: httpx.AsyncClient,
    partner: PartnerCreds,
    receiver: Receiver,
    headers: dict[str, str] | None = None,
) -> str:
    base = f"/api/v2/partners/{partner.partner_id}"
    secret = (await client.post(f"{base}/platform_secret", headers=partner.headers)).json()
    body: dict[str, Any] = {"webhook_url": receiver.url}
    if headers is not None:
        body["headers"] = headers
    response = await client.post(f"{base}/webhook_url", headers=partner.headers, json=body)
    assert response.status_code == 200, response.text
    return str(secret["platform_secret"])


async def send_test(client: httpx.AsyncClient, partner: PartnerCreds) -> dict[str, str]:
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url/test", headers=partner.headers
    )
    assert response.status_code == 202, response.text
    body: dict[str, str] = response.json()
    return body


async def deliveries(
    client: httpx.AsyncClient, partner: PartnerCreds, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v2/partners/{partner.partner_id}/webhook_deliveries",
        headers=partner.headers,
        params=params,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
