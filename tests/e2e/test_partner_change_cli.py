"""``partnerhub partner-change`` (issue 18 item 5): an operator files, lists and decides partner
change requests from the command line, in a separate process on the server's database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from tests.conftest import PartnerCreds
from tests.e2e.conftest import cli_env, run_cli
from tests.helpers.messaging import running_channel


async def test_partner_change_commands(
    client: httpx.AsyncClient,
    partner: PartnerCreds,
    other_partner: PartnerCreds,
    tmp_path: Path,
    database_url: str,
) -> None:
    first = await running_channel(client, partner)
    second = await running_channel(client, partner, "+4915112345679")
    env = {**cli_env(tmp_path / "cli", database_url), "COLUMNS": "200"}

    def cli(*args: str, check: bool = True) -> str:
        return run_cli(env, "partner-change", *args, check=check).stdout

    to = other_partner.partner_id
    one = json.loads(
        await asyncio.to_thread(
            cli, "request", "--client", first["client_id"], "--to", to, "--json"
        )
    )
    two = json.loads(
        await asyncio.to_thread(
            cli, "request", "--client", second["client_id"], "--to", to, "--json"
        )
    )
    assert one["status"] == two["status"] == "pending"
    listed = json.loads(
        await asyncio.to_thread(cli, "list", "--partner", to, "--status", "pending", "--json")
    )
    assert [p["id"] for p in listed] == [two["id"], one["id"]]
    # The table on an 80-column terminal keeps the ids whole: they are what approve/reject take.
    narrow = await asyncio.to_thread(
        run_cli, {**env, "COLUMNS": "80"}, "partner-change", "list", "--partner", to
    )
    for request in (one, two):
        assert request["id"] in narrow.stdout and request["source_client_id"] in narrow.stdout
    # the source partner has nothing to decide
    assert (
        json.loads(await asyncio.to_thread(cli, "list", "--partner", partner.partner_id, "--json"))
        == []
    )
    refused = await asyncio.to_thread(
        run_cli,
        env,
        "partner-change",
        "approve",
        one["id"],
        "--partner",
        partner.partner_id,
        check=False,
    )
    assert refused.returncode == 1 and "not found" in (refused.stdout + refused.stderr).lower()

    approved = json.loads(
        await asyncio.to_thread(cli, "approve", one["id"], "--partner", to, "--json")
    )
    rejected = json.loads(
        await asyncio.to_thread(cli, "reject", two["id"], "--partner", to, "--json")
    )
    assert (approved["status"], rejected["status"]) == ("completed", "rejected")
    base = f"/api/v2/partners/{to}"
    mine = (await client.get(f"{base}/clients", headers=other_partner.headers)).json()
    assert [c["id"] for c in mine["clients"]] == [first["client_id"]]
    table = await asyncio.to_thread(cli, "list", "--partner", to)
    assert one["id"] in table and "completed" in table and "rejected" in table
