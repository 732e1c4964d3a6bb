"""``partnerhub number-migration`` (issue 18 item 4): an operator sets a number's two-step
verification and reads a migrating number's code from the command line, in a separate process
on the server's database; the server sees both at once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from tests.conftest import PartnerCreds
from tests.e2e.conftest import cli_env, run_cli
from tests.helpers.api import assert_error
from tests.helpers.clients import onboard
from tests.helpers.migration import migrations_url

PHONE = "+4915100006601"


async def test_number_migration_commands(
    client: httpx.AsyncClient, partner: PartnerCreds, tmp_path: Path, database_url: str
) -> None:
    done = await onboard(client, partner, ["+4915100006600"])
    url = migrations_url(partner, done["client_id"])
    env = cli_env(tmp_path / "cli", database_url)

    def cli(*args: str) -> str:
        return run_cli(env, "number-migration", *args).stdout

    on = json.loads(await asyncio.to_thread(cli, "two-step", PHONE, "--on", "--json"))
    assert on == {"phone_number": PHONE, "enabled": True}
    assert_error(await client.post(url, headers=partner.headers, json={"phone_number": PHONE}), 409)
    await asyncio.to_thread(cli, "two-step", PHONE, "--off")
    started = await client.post(url, headers=partner.headers, json={"phone_number": PHONE})
    assert started.status_code == 201, started.text
    channel_id = started.json()["id"]
    assert "no code pending" in await asyncio.to_thread(cli, "code", channel_id)

    await client.post(
        f"{url}/{channel_id}/request_code", headers=partner.headers, json={"code_method": "SMS"}
    )
    shown = json.loads(await asyncio.to_thread(cli, "code", channel_id, "--json"))
    assert shown["status"] == "code_sent" and shown["code_method"] == "SMS"
    verified = await client.post(
        f"{url}/{channel_id}/verify_code", headers=partner.headers, json={"code": shown["code"]}
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["channel"]["is_migrated"] is True
