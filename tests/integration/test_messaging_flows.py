"""``GET /flows`` on the Messaging API over real HTTP (360dialog's Messaging API reference
"Flows", "List Flows"): the Flows of the channel key's WABA as ``flows.ListResponse``
(``{data, paging}``), ``fields`` as on the Partner API, only the key's own WABA, Graph errors,
and the SDK's ``flows.list()`` (async and sync)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from partnerhub.client import AsyncMessagingClient, MessagingClient
from partnerhub.wire import flows as wire_flows
from tests.conftest import PartnerCreds
from tests.helpers import flow_json as fj
from tests.helpers.messaging import generate, running_channel
from tests.helpers.uploads import details, graph_error
from tests.integration.live_http import over_http

Client = httpx.AsyncClient


@pytest.fixture
async def http(app: Litestar, client: Client) -> AsyncIterator[Client]:
    async with over_http(app) as real:
        yield real


async def keyed_channel(http: Client, partner: PartnerCreds, number: str) -> tuple[str, str]:
    """A running number of ``partner`` and its channel key: (waba id, key)."""
    channel = await running_channel(http, partner, number)
    key = await generate(http, partner, channel["channel_id"])
    return str(channel["waba_account_id"]), str(key["api_key"])


async def create_flow(http: Client, partner: PartnerCreds, waba_id: str, name: str) -> str:
    response = await http.post(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}/flows",
        headers=partner.headers,
        json={"name": name, "categories": ["SIGN_UP"]},
    )
    assert response.status_code == 200, response.text
    flow_id: str = response.json()["id"]
    return flow_id


async def test_lists_the_keys_waba_flows_in_the_documented_shape(
    http: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    waba, key = await keyed_channel(http, partner, "+4915100000811")
    first = await create_flow(http, partner, waba, "Sign up")
    second = await create_flow(http, partner, waba, "Book a table")
    upload = await http.post(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba}/flows/{second}/assets",
        headers=partner.headers,
        data={"name": "flow.json", "asset_type": "FLOW_JSON"},
        files={"file": ("flow.json", fj.text(fj.SURVEY).encode(), "application/json")},
    )
    assert upload.status_code == 200, upload.text
    # Another partner's Flow, and another WABA of the same partner: neither is listed.
    their_waba, _ = await keyed_channel(http, other_partner, "+4915100000812")
    await create_flow(http, other_partner, their_waba, "Their secret flow")
    other_waba, other_key = await keyed_channel(http, partner, "+4915100000813")
    await create_flow(http, partner, other_waba, "Other WABA flow")

    response = await http.get("/flows", headers={"D360-API-KEY": key})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"data", "paging"}
    assert {f["id"] for f in body["data"]} == {first, second}
    for flow in body["data"]:
        assert set(flow) == {"id", "name", "categories", "validation_errors", "status"}
        assert flow["status"] == "DRAFT" and flow["categories"] == ["SIGN_UP"]
        assert flow["validation_errors"] == []
    assert {f["name"] for f in body["data"]} == {"Sign up", "Book a table"}
    cursors = body["paging"]["cursors"]
    assert set(cursors) == {"before", "after"} and cursors["before"] != cursors["after"]
    assert "secret" not in response.text.lower() and "Other WABA" not in response.text

    # Meta's field expansion, as on the Partner API.
    picked = await http.get(
        "/flows", headers={"D360-API-KEY": key}, params={"fields": "name,status,json_version"}
    )
    assert picked.status_code == 200, picked.text
    by_id = {f["id"]: f for f in picked.json()["data"]}
    assert set(by_id[second]) == {"id", "name", "status", "json_version"}
    assert by_id[second]["json_version"] == fj.SURVEY["version"]
    preview = await http.get(
        "/flows", headers={"D360-API-KEY": key}, params={"fields": "preview.invalidate(false)"}
    )
    assert preview.status_code == 200, preview.text
    assert all(f["preview"]["preview_url"] for f in preview.json()["data"])

    # The other WABA's key sees only its own Flow.
    theirs = await http.get("/flows", headers={"D360-API-KEY": other_key})
    assert [f["name"] for f in theirs.json()["data"]] == ["Other WABA flow"]


async def test_a_waba_without_flows_answers_an_empty_list(
    http: Client, partner: PartnerCreds
) -> None:
    _, key = await keyed_channel(http, partner, "+4915100000821")
    response = await http.get("/flows", headers={"D360-API-KEY": key})
    assert response.status_code == 200, response.text
    assert response.json() == {"data": []}


async def test_refusals_are_graph_errors(http: Client, partner: PartnerCreds) -> None:
    _, key = await keyed_channel(http, partner, "+4915100000831")
    bad_field = await http.get("/flows", headers={"D360-API-KEY": key}, params={"fields": "nope"})
    assert graph_error(bad_field, 400)["code"] == 100
    assert details(bad_field).startswith("fields")
    # Partner credentials are not channel keys; no key at all; an unknown key.
    for headers in (partner.headers, {}, {"D360-API-KEY": "not-a-key"}):
        graph_error(await http.get("/flows", headers=headers), 401)


async def test_sdk_lists_flows_async_and_sync(http: Client, partner: PartnerCreds) -> None:
    waba, key = await keyed_channel(http, partner, "+4915100000841")
    flow_id = await create_flow(http, partner, waba, "Sign up")
    base_url = str(http.base_url)
    async with AsyncMessagingClient(key, base_url=base_url) as sdk:
        answer = await sdk.flows.list()
        assert isinstance(answer, wire_flows.MessagingFlowList)
        assert [f["id"] for f in answer.data] == [flow_id]
        assert answer.paging is not None and answer.paging.cursors.after
        named = await sdk.flows.list(fields=["name", "status"])
        assert named.data == [{"id": flow_id, "name": "Sign up", "status": "DRAFT"}]

    def sync_list() -> wire_flows.MessagingFlowList:
        with MessagingClient(key, base_url=base_url) as sdk:
            return sdk.flows.list(fields="name")

    got = await asyncio.to_thread(sync_list)
    assert got.data == [{"id": flow_id, "name": "Sign up"}]


async def test_openapi_documents_get_flows(client: Client) -> None:
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/flows"]["get"]
    assert "Messaging API" in operation["tags"]
