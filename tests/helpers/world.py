"""The world document the emulator seeds and exports."""

from __future__ import annotations

from typing import Any

import httpx

from partnerhub.domain.keys import secrets
from tests.conftest import EMULATOR

KEY = secrets.generate("ph_test_")


def fixture(webhook_url: str | None = None) -> dict[str, Any]:
    return {
        "partners": [
            {
                "id": "demoPA",
                "brand_name": "Demo Hub",
                "country": "DE",
                "billing_model": "direct",
                "webhook_url": webhook_url,
                "partner_redirect_url": "https://partner.example/done",
                "users": [
                    {"email": "ops@demo.example", "password": "demo-password-1"},
                    {
                        "email": "gone@demo.example",
                        "password": "demo-password-2",
                        "disabled_at": "2026-01-01T00:00:00Z",
                    },
                ],
                "api_keys": [{"id": "ciKeyAK", "name": "CI", "key": KEY}],
                "balance": 120.5,
                "currency": "usd",
            },
            {"id": "otherPA", "brand_name": "Other Hub"},
        ],
        "clients": [
            {
                "id": "pizzaCL",
                "partner_id": "demoPA",
                "name": "Pizza Place",
                "max_channels": 3,
                "balance": 7.25,
                "login": {"email": "owner@pizza.example", "password": "pizza-password-1"},
            },
            {"id": "rivalCL", "partner_id": "otherPA", "name": "Rival"},
        ],
        "waba_accounts": [
            {"id": "pizzaWA", "client_id": "pizzaCL"},
            {"id": "rivalWA", "client_id": "rivalCL", "status": "created"},
        ],
        "channels": [
            {
                "id": "liveCH",
                "client_id": "pizzaCL",
                "waba_account_id": "pizzaWA",
                "phone_number": "+4915100001001",
                "phone_name": "Pizza",
                "created_at": "2026-01-01T10:00:00Z",
            },
            {
                "id": "newCH",
                "client_id": "pizzaCL",
                "waba_account_id": "pizzaWA",
                "phone_number": "+4915100001002",
                "status": "created",
                "permission": False,
                "created_at": "2026-01-02T10:00:00Z",
            },
            {
                "id": "rivalCH",
                "client_id": "rivalCL",
                "waba_account_id": "rivalWA",
                "phone_number": "+4915100001003",
                "status": "running",
            },
        ],
    }


async def seed(client: httpx.AsyncClient, document: dict[str, Any]) -> httpx.Response:
    return await client.post("/_emulator/seed", headers=EMULATOR, json=document)


async def state(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/_emulator/state", headers=EMULATOR)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
