"""Messaging limits, quality and health status: the emulator's controls and the health read."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.messaging import ORDER_UPDATE, generate, running_channel


async def control(
    client: httpx.AsyncClient, channel_id: str, what: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post(
        f"/_emulator/channels/{channel_id}/{what}", headers=EMULATOR, json=body or {}
    )


async def set_quality(client: httpx.AsyncClient, channel_id: str, rating: str) -> dict[str, Any]:
    response = await control(client, channel_id, "quality", {"quality_rating": rating})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_limit(client: httpx.AsyncClient, channel_id: str, tier: str) -> dict[str, Any]:
    response = await control(client, channel_id, "limit", {"limit": tier})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def report_spam(client: httpx.AsyncClient, channel_id: str, count: int) -> dict[str, Any]:
    response = await control(client, channel_id, "spam_reports", {"count": count})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def health(client: httpx.AsyncClient, key: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/health_status", headers=key)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def entity(found: dict[str, Any], kind: str) -> dict[str, Any]:
    (match,) = [e for e in found["health_status"]["entities"] if e["entity_type"] == kind]
    return match


async def keyed_channel(
    client: httpx.AsyncClient, partner: PartnerCreds, number: str = "+4915112345678"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A running channel and its key (the whole answer of the key's generation)."""
    channel = await running_channel(client, partner, number)
    return channel, await generate(client, partner, channel["channel_id"])


async def approved_template(client: httpx.AsyncClient, key: dict[str, str]) -> str:
    """``order_update`` created through the Messaging API and approved by the emulator."""
    created = await client.post("/v1/configs/templates", headers=key, json=ORDER_UPDATE)
    assert created.status_code == 201, created.text
    template_id = str(created.json()["id"])
    reviewed = await client.post(
        f"/_emulator/templates/{template_id}/review", headers=EMULATOR, json={"status": "approved"}
    )
    assert reviewed.status_code == 200, reviewed.text
    return template_id


def template_to(wa_id: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": wa_id,
        "type": "template",
        "template": {
            "name": "order_update",
            "language": {"code": "en"},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": "42"}, {"type": "text", "text": "x"}],
                }
            ],
        },
    }
