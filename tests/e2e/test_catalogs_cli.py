"""``partnerhub catalogs`` (issue 17): an operator loads a number's product catalog from the
command line, in a separate process on the server's database; the server checks product
messages against it at once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from tests.conftest import EMULATOR, PartnerCreds
from tests.e2e.conftest import cli_env, run_cli
from tests.helpers.interactive import interactive_of_each_type, interactive_send
from tests.helpers.messaging import CUSTOMER, inbound, ready_channel
from tests.receiver import Receiver


async def test_catalogs_commands(
    client: httpx.AsyncClient,
    partner: PartnerCreds,
    receiver: Receiver,
    tmp_path: Path,
    database_url: str,
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    env = cli_env(tmp_path / "cli", database_url)

    def cli(*args: str, check: bool = True) -> str:
        return run_cli(env, "catalogs", *args, check=check).stdout

    created = json.loads(
        await asyncio.to_thread(
            cli,
            "create",
            "--channel",
            channel["channel_id"],
            "--name",
            "Menu",
            "--product",
            "sku-1|Margherita|8.50|EUR",
            "--json",
        )
    )
    assert created["products"] == [
        {
            "retailer_id": "sku-1",
            "name": "Margherita",
            "price": "8.50",
            "currency": "EUR",
            "availability": "in stock",
        }
    ]
    body = interactive_of_each_type(created["id"], "sku-2")["product"]
    refused = await client.post("/messages", headers=key, json=interactive_send(CUSTOMER, body))
    assert refused.json()["error"]["code"] == 131009
    await asyncio.to_thread(cli, "add", created["id"], "--product", "sku-2|Diavola")
    accepted = await client.post("/messages", headers=key, json=interactive_send(CUSTOMER, body))
    assert accepted.status_code == 200, accepted.text
    shown = await client.get(f"/_emulator/catalogs/{created['id']}", headers=EMULATOR)
    assert [p["retailer_id"] for p in shown.json()["products"]] == ["sku-1", "sku-2"]
    again = await asyncio.to_thread(
        run_cli, env, "catalogs", "create", "--channel", channel["channel_id"], check=False
    )
    assert again.returncode == 1 and "already has a catalog" in again.stderr
    bad = await asyncio.to_thread(
        run_cli, env, "catalogs", "add", created["id"], "--product", "only-an-id", check=False
    )
    assert bad.returncode != 0
