"""``partnerhub flows`` (issue 18): an operator lists and publishes a WABA's Flows from the
command line on the server's database, and validates a Flow JSON file offline."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from tests.conftest import PartnerCreds
from tests.e2e.conftest import cli_env, run_cli
from tests.helpers import flow_json as fj
from tests.helpers.templates import waba_of


async def test_flows_commands(
    client: httpx.AsyncClient, partner: PartnerCreds, tmp_path: Path, database_url: str
) -> None:
    waba = await waba_of(client, partner)
    url = f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba}/flows"
    created = await client.post(
        url, headers=partner.headers, json={"name": "Survey", "categories": ["SURVEY"]}
    )
    flow_id = created.json()["id"]
    uploaded = await client.post(
        f"{url}/{flow_id}/assets",
        headers=partner.headers,
        data={"name": "flow.json", "asset_type": "FLOW_JSON"},
        files={"file": ("flow.json", fj.text(fj.SURVEY).encode(), "application/json")},
    )
    assert uploaded.json()["validation_errors"] == []
    env = cli_env(tmp_path / "cli", database_url)
    where = ["--partner", partner.partner_id, "--waba", waba]

    def cli(*args: str, check: bool = True) -> str:
        return run_cli(env, "flows", *args, check=check).stdout

    listed = json.loads(await asyncio.to_thread(cli, "list", *where, "--json"))
    assert [(f["id"], f["status"]) for f in listed] == [(flow_id, "DRAFT")]
    # On an 80-column terminal the table keeps the id whole (what `publish` takes).
    narrow = await asyncio.to_thread(run_cli, {**env, "COLUMNS": "80"}, "flows", "list", *where)
    assert flow_id in narrow.stdout and "DRAFT" in narrow.stdout
    await asyncio.to_thread(cli, "publish", flow_id, *where)
    shown = await client.get(f"{url}/{flow_id}", headers=partner.headers)
    assert shown.json()["status"] == "PUBLISHED"
    again = await asyncio.to_thread(run_cli, env, "flows", "publish", flow_id, *where, check=False)
    assert again.returncode == 1 and "139002" in again.stdout + again.stderr

    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(fj.text(fj.LEAD_GENERATION))
    bad.write_text(fj.text(fj.broken(fj.LEAD_GENERATION, lambda d: d.pop("version"))))
    assert "valid" in await asyncio.to_thread(cli, "validate", str(good))
    result = await asyncio.to_thread(
        run_cli, env, "flows", "validate", str(bad), "--json", check=False
    )
    assert result.returncode == 1
    (error,) = json.loads(result.stdout)["validation_errors"]
    assert error["error"] == "MISSING_REQUIRED_PROPERTY"
