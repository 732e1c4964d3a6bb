"""A live server's partner, client and channel prepared for the abuse runs (e2e)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from tests.conftest import EMULATOR
from tests.e2e.conftest import run_cli


@dataclass(frozen=True)
class Prepared:
    partner_id: str
    api_key: str
    client_id: str
    waba_account_id: str
    channel_id: str
    channel_key: str


def prepare(base_url: str, env: dict[str, str]) -> Prepared:
    """A partner with a running channel and its channel key: every route reaches its parsing."""
    creds = json.loads(
        run_cli(
            env,
            *("partners", "create", "--brand-name", "Abused", "--email", "ops@abused.example"),
            *("--password", "long-enough-password", "--json"),
        ).stdout
    )
    partner_id, key = creds["partner_id"], creds["api_key"]
    with httpx.Client(base_url=base_url, timeout=30) as client:
        done = client.post(
            "/_emulator/onboard",
            headers=EMULATOR,
            json={
                "partner_id": partner_id,
                "client": {"name": "Target Co", "email": "owner@target.example"},
                "phone_numbers": ["+4915100000801"],
            },
        ).json()
        channel_id = done["channel_ids"][0]
        moved = client.post(
            f"/_emulator/channels/{channel_id}/status",
            headers=EMULATOR,
            json={"status": "running"},
        )
        assert moved.status_code == 201, moved.text
        channel_key = client.post(
            f"/api/v2/partners/{partner_id}/channels/{channel_id}/api_keys",
            headers={"X-API-Key": key},
        ).json()["api_key"]
    return Prepared(
        partner_id, key, done["client_id"], done["waba_account_id"], channel_id, channel_key
    )
