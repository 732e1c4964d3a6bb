"""Running channels, their API keys, inbound messages, sends and status webhooks."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from tests.conftest import EMULATOR, PartnerCreds
from tests.receiver import Receiver


async def running_channel(
    client: httpx.AsyncClient, partner: PartnerCreds, number: str = "+4915112345678", **onboard: Any
) -> dict[str, Any]:
    """Onboard one number and move it to ``running`` with the emulator."""
    response = await client.post(
        "/_emulator/onboard",
        headers=EMULATOR,
        json={
            "partner_id": partner.partner_id,
            "client": {"name": "Pizza Place", "email": "owner@pizza.example"},
            "phone_numbers": [number],
            **onboard,
        },
    )
    assert response.status_code == 201, response.text
    done: dict[str, Any] = response.json()
    channel_id = done["channel_ids"][0]
    moved = await client.post(
        f"/_emulator/channels/{channel_id}/status", headers=EMULATOR, json={"status": "running"}
    )
    assert moved.status_code == 201, moved.text
    return {**done, "channel_id": channel_id}


def keys_path(partner: PartnerCreds, channel_id: str) -> str:
    return f"/api/v2/partners/{partner.partner_id}/channels/{channel_id}/api_keys"


async def generate(
    client: httpx.AsyncClient, partner: PartnerCreds, channel_id: str
) -> dict[str, Any]:
    response = await client.post(keys_path(partner, channel_id), headers=partner.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_messaging_webhook(
    client: httpx.AsyncClient, key: str, url: str, **extra: Any
) -> None:
    response = await client.post(
        "/v1/configs/webhook", headers={"D360-API-KEY": key}, json={"url": url, **extra}
    )
    assert response.status_code == 200, response.text


CUSTOMER = "4917612345678"


async def ready_channel(
    client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver
) -> tuple[dict[str, Any], dict[str, str]]:
    """A running channel with a key and its messaging webhook pointing at ``receiver``."""
    channel = await running_channel(client, partner)
    key = await generate(client, partner, channel["channel_id"])
    await set_messaging_webhook(client, key["api_key"], receiver.url)
    return channel, {"D360-API-KEY": key["api_key"]}


async def inbound(client: httpx.AsyncClient, channel_id: str, text: str = "Hi!") -> dict[str, Any]:
    response = await client.post(
        "/_emulator/messages/inbound",
        headers=EMULATOR,
        json={
            "channel_id": channel_id,
            "from": CUSTOMER,
            "type": "text",
            "text": {"body": text},
            "profile_name": "Grace",
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def send_text(
    client: httpx.AsyncClient, key: dict[str, str], text: str = "Hello"
) -> httpx.Response:
    return await client.post(
        "/messages",
        headers=key,
        json={
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": f"+{CUSTOMER}",
            "type": "text",
            "text": {"body": text},
        },
    )


def statuses(receiver: Receiver) -> list[dict[str, Any]]:
    found = []
    for request in receiver.requests:
        value = json.loads(request.body)["entry"][0]["changes"][0]["value"]
        found.extend(value.get("statuses", []))
    return found


def wait_statuses(receiver: Receiver, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = statuses(receiver)
        if len(found) >= count:
            return found
        time.sleep(0.02)
    raise AssertionError(f"expected {count} statuses, got {statuses(receiver)}")


ORDER_UPDATE = {
    "name": "order_update",
    "language": "en",
    "category": "MARKETING",
    "components": [
        {
            "type": "BODY",
            "text": "Your order {{1}} ships {{2}}.",
            "example": {"body_text": [["42", "today"]]},
        }
    ],
}


def template_message(name: str = "order_update", *params: str, lang: str = "en") -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": CUSTOMER,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": lang},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
            ],
        },
    }
