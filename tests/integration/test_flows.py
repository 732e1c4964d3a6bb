"""WhatsApp Flows on the Partner API over real HTTP: the lifecycle (create, upload the Flow
JSON, preview, publish, deprecate), every refusal, migration between a partner's WABAs, and
another partner's WABA or Flow answered 404 with no data."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers import flow_json as fj
from tests.helpers.api import assert_error
from tests.helpers.clients import onboard
from tests.helpers.clock import eventually
from tests.helpers.messaging import ready_channel
from tests.helpers.templates import waba_of
from tests.integration.hub_helpers import log_in
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient


@pytest.fixture
async def http(app: Litestar, client: Client) -> AsyncIterator[Client]:
    async with over_http(app) as real:
        yield real


def flows_url(partner: PartnerCreds, waba_id: str) -> str:
    return f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba_id}/flows"


async def create(
    http: Client, partner: PartnerCreds, waba_id: str, name: str = "Sign up", **extra: Any
) -> str:
    body = {"name": name, "categories": ["SIGN_UP"], **extra}
    response = await http.post(flows_url(partner, waba_id), headers=partner.headers, json=body)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"id"}
    flow_id: str = response.json()["id"]
    assert flow_id.isdigit()
    return flow_id


async def upload(
    http: Client, partner: PartnerCreds, waba_id: str, flow_id: str, text: str, **form: str
) -> httpx.Response:
    data = {"name": "flow.json", "asset_type": "FLOW_JSON", **form}
    return await http.post(
        f"{flows_url(partner, waba_id)}/{flow_id}/assets",
        headers=partner.headers,
        data=data,
        files={"file": ("flow.json", text.encode(), "application/json")},
    )


async def get(
    http: Client, partner: PartnerCreds, waba_id: str, flow_id: str, fields: str | None = None
) -> dict[str, Any]:
    params = {"fields": fields} if fields else {}
    response = await http.get(
        f"{flows_url(partner, waba_id)}/{flow_id}", headers=partner.headers, params=params
    )
    assert response.status_code == 200, response.text
    got: dict[str, Any] = response.json()
    return got


async def act(
    http: Client, partner: PartnerCreds, waba_id: str, flow_id: str, action: str
) -> httpx.Response:
    return await http.post(
        f"{flows_url(partner, waba_id)}/{flow_id}/{action}", headers=partner.headers
    )


async def test_lifecycle_draft_upload_preview_publish_deprecate(
    http: Client, client: Client, partner: PartnerCreds
) -> None:
    waba = await waba_of(client, partner)
    flow_id = await create(http, partner, waba)
    assert await get(http, partner, waba, flow_id) == {
        "id": flow_id,
        "name": "Sign up",
        "categories": ["SIGN_UP"],
        "validation_errors": [],
        "status": "DRAFT",
    }
    # An invalid Flow JSON is stored, with Meta's validation errors in the answer.
    bad = fj.broken(
        fj.SIGN_UP, lambda d: d["screens"][0]["layout"]["children"][1].update({"initial-text": "x"})
    )
    response = await upload(http, partner, waba, flow_id, fj.text(bad))
    assert response.status_code == 200, response.text
    (error,) = response.json()["validation_errors"]
    assert response.json()["success"] is True
    assert error["error"] == "INVALID_PROPERTY"
    assert error["error_type"] == "JSON_SCHEMA_ERROR"
    assert error["pointers"][0]["path"] == "screens[0].layout.children[1].initial-text"
    assert {"line_start", "line_end", "column_start", "column_end"} <= set(error)
    shown = await get(http, partner, waba, flow_id)
    assert shown["validation_errors"] == [error]
    refused = await act(http, partner, waba, flow_id, "publish")
    meta = assert_error(refused, 400)
    assert meta["developer_message"].startswith("(#139002) Publishing Flow failed")
    # The fixed JSON clears the errors; publish then succeeds.
    response = await upload(http, partner, waba, flow_id, fj.text(fj.SIGN_UP))
    assert response.json() == {"success": True, "validation_errors": []}
    full = await get(
        http,
        partner,
        waba,
        flow_id,
        "id,name,status,json_version,data_api_version,endpoint_uri,health_status,"
        "whatsapp_business_account,preview.invalidate(false)",
    )
    assert full["json_version"] == "7.1"
    assert full["data_api_version"] is None
    assert full["health_status"]["can_send_message"] == "AVAILABLE"
    assert full["whatsapp_business_account"]["id"] == waba
    preview = full["preview"]
    assert preview["preview_url"].startswith(
        f"https://business.facebook.com/wa/manage/flows/{flow_id}/preview/?token="
    )
    again = await get(http, partner, waba, flow_id, "preview.invalidate(false)")
    assert again["preview"] == preview
    fresh = await get(http, partner, waba, flow_id, "preview.invalidate(true)")
    assert fresh["preview"]["preview_url"] != preview["preview_url"]
    listed_previews = await http.get(
        flows_url(partner, waba), headers=partner.headers, params={"fields": "preview"}
    )
    assert listed_previews.json()["flows"] == [{"id": flow_id, "preview": fresh["preview"]}]
    # The asset can be listed and downloaded back.
    assets = await http.get(f"{flows_url(partner, waba)}/{flow_id}/assets", headers=partner.headers)
    (asset,) = assets.json()["data"]
    assert asset["name"] == "flow.json" and asset["asset_type"] == "FLOW_JSON"
    download = await http.get(asset["download_url"], headers=partner.headers)
    assert json.loads(download.text) == fj.SIGN_UP

    assert (await act(http, partner, waba, flow_id, "publish")).json() == {"success": True}
    assert (await get(http, partner, waba, flow_id))["status"] == "PUBLISHED"
    assert (await act(http, partner, waba, flow_id, "deprecate")).json() == {"success": True}
    assert (await get(http, partner, waba, flow_id))["status"] == "DEPRECATED"
    listed = await http.get(
        flows_url(partner, waba), headers=partner.headers, params={"fields": "id,status"}
    )
    assert listed.json() == {
        "flows": [{"id": flow_id, "status": "DEPRECATED"}],
        "count": 1,
        "total": 1,
    }


async def test_every_refusal(http: Client, client: Client, partner: PartnerCreds) -> None:
    waba = await waba_of(client, partner)
    url = flows_url(partner, waba)
    headers = partner.headers
    flow_id = await create(http, partner, waba)
    # Creation: duplicate name, unknown category, missing categories, unknown clone source.
    cases = [
        ({"name": "Sign up", "categories": ["SIGN_UP"]}, "(#100)"),
        ({"name": "Other", "categories": ["GAMES"]}, None),
        ({"name": "Other"}, "(#100)"),
        ({"name": "Other", "clone_flow_id": "123"}, "(#100)"),
        ({"categories": ["SIGN_UP"]}, None),
    ]
    for body, prefix in cases:
        meta = assert_error(await http.post(url, headers=headers, json=body), 400)
        if prefix:
            assert meta["developer_message"].startswith(prefix), meta
    # Publishing without any Flow JSON; deprecating a draft.
    meta = assert_error(await act(http, partner, waba, flow_id, "publish"), 400)
    assert "no Flow JSON" in meta["developer_message"]
    meta = assert_error(await act(http, partner, waba, flow_id, "deprecate"), 400)
    assert meta["developer_message"].startswith("(#139003)")
    # Asset uploads: wrong name, wrong type, not multipart, no file.
    for form in ({"name": "x.json"}, {"asset_type": "IMAGE"}):
        response = await upload(http, partner, waba, flow_id, fj.text(fj.SIGN_UP), **form)
        assert_error(response, 400)
    assets = f"{url}/{flow_id}/assets"
    assert_error(await http.post(assets, headers=headers, json={"file": "{}"}), 400, "file")
    response = await http.post(
        assets, headers=headers, data={"name": "flow.json"}, files={"other": ("a", b"b")}
    )
    assert_error(response, 400, "file")
    # Unknown fields.
    response = await http.get(f"{url}/{flow_id}", headers=headers, params={"fields": "secret"})
    assert_error(response, 400, "fields")
    # An endpoint Flow needs its endpoint_uri to publish.
    endpoint_flow = await create(http, partner, waba, "Booking")
    await upload(http, partner, waba, endpoint_flow, fj.text(fj.APPOINTMENT_BOOKING))
    meta = assert_error(await act(http, partner, waba, endpoint_flow, "publish"), 400)
    assert "endpoint_uri" in meta["developer_message"]
    updated = await http.post(
        f"{url}/{endpoint_flow}",
        headers=headers,
        json={"endpoint_uri": "https://pizza.example/flow"},
    )
    assert updated.json() == {"success": True}
    assert (await act(http, partner, waba, endpoint_flow, "publish")).status_code == 200
    # A published Flow: no new JSON, no metadata change, no deletion, no second publish.
    response = await upload(http, partner, waba, endpoint_flow, fj.text(fj.SURVEY))
    assert assert_error(response, 400)["developer_message"].startswith("(#139001)")
    response = await http.patch(f"{url}/{endpoint_flow}", headers=headers, json={"name": "B"})
    assert assert_error(response, 400)["developer_message"].startswith("(#139001)")
    response = await http.delete(f"{url}/{endpoint_flow}", headers=headers)
    assert assert_error(response, 400)["developer_message"].startswith("(#139004)")
    response = await act(http, partner, waba, endpoint_flow, "publish")
    assert assert_error(response, 400)["developer_message"].startswith("(#139002)")
    # A draft is deleted, and then gone.
    assert (await http.delete(f"{url}/{flow_id}", headers=headers)).json() == {"success": True}
    assert_error(await http.get(f"{url}/{flow_id}", headers=headers), 404)


async def test_metrics_answer_metas_shape(
    http: Client, client: Client, partner: PartnerCreds
) -> None:
    waba = await waba_of(client, partner)
    flow_id = await create(http, partner, waba)
    got = await get(
        http,
        partner,
        waba,
        flow_id,
        "metric.name(ENDPOINT_REQUEST_LATENCY_SECONDS_CEIL).granularity(DAY)"
        ".since(2026-01-01).until(2026-01-03)",
    )
    assert got["metric"] == {
        "granularity": "DAY",
        "name": "ENDPOINT_REQUEST_LATENCY_SECONDS_CEIL",
        "data_points": [
            {
                "timestamp": f"2026-01-0{d}T00:00:00+0000",
                "data": [],  # no endpoint request in these days: no latency bucket
            }
            for d in (1, 2)
        ],
    }
    response = await http.get(
        f"{flows_url(partner, waba)}/{flow_id}",
        headers=partner.headers,
        params={"fields": "metric.name(NOPE)"},
    )
    assert_error(response, 400, "fields")


async def test_clone_and_migrate_between_the_partners_wabas(
    http: Client, client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    source = await waba_of(client, partner, "+4915111111111")
    target = await waba_of(client, partner, "+4915122222222")
    published = await create(http, partner, source, "survey")
    await upload(http, partner, source, published, fj.text(fj.SURVEY))
    assert (await act(http, partner, source, published, "publish")).status_code == 200
    draft = await create(http, partner, source, "lead-gen", categories=["LEAD_GENERATION"])
    clone = await create(http, partner, target, "survey copy", clone_flow_id=published)
    cloned = await get(http, partner, target, clone, "name,categories,status,json_version")
    assert cloned == {
        "id": clone,
        "name": "survey copy",
        "categories": ["SIGN_UP"],
        "status": "DRAFT",
        "json_version": "6.0",
    }
    await create(http, partner, target, "lead-gen")  # takes the name in the target
    url = f"{flows_url(partner, target)}/migrate"
    response = await http.post(
        url,
        headers=partner.headers,
        json={"source_waba_id": source, "source_flow_names": ["survey", "lead-gen", "missing"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    (migrated,) = body["migrated_flows"]
    assert migrated["source_name"] == "survey" and migrated["source_id"] == published
    assert [f["source_name"] for f in body["failed_flows"]] == ["lead-gen", "missing"]
    assert all(f["error_code"] and f["error_message"] for f in body["failed_flows"])
    copy = await get(http, partner, target, migrated["migrated_id"], "name,status")
    assert copy["status"] == "PUBLISHED"  # a published source stays published
    # Migrating everything again: every name is now taken.
    again = await http.post(url, headers=partner.headers, json={"source_waba_id": source})
    assert {f["source_name"] for f in again.json()["failed_flows"]} == {"survey", "lead-gen"}
    assert draft
    # Another partner's WABA is not a source, and this WABA is not the source itself.
    theirs = await waba_of(client, other_partner, "+4915133333333")
    response = await http.post(url, headers=partner.headers, json={"source_waba_id": theirs})
    assert_error(response, 404)
    response = await http.post(url, headers=partner.headers, json={"source_waba_id": target})
    assert_error(response, 400)


async def test_another_partners_waba_and_flow_are_not_found(
    http: Client, client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    mine = await waba_of(client, partner, "+4915111111111")
    theirs = await waba_of(client, other_partner, "+4915122222222")
    their_flow = await create(http, other_partner, theirs, "Secret flow")
    await upload(http, other_partner, theirs, their_flow, fj.text(fj.SURVEY))
    headers = partner.headers
    # Their WABA under my partner id; their Flow under my WABA; my key on their partner id.
    attempts = [
        ("GET", flows_url(partner, theirs), None),
        ("POST", flows_url(partner, theirs), {"name": "x", "categories": ["OTHER"]}),
        ("GET", f"{flows_url(partner, mine)}/{their_flow}", None),
        ("POST", f"{flows_url(partner, mine)}/{their_flow}", {"name": "stolen"}),
        ("DELETE", f"{flows_url(partner, mine)}/{their_flow}", None),
        ("POST", f"{flows_url(partner, mine)}/{their_flow}/publish", None),
        ("POST", f"{flows_url(partner, mine)}/{their_flow}/deprecate", None),
        ("GET", f"{flows_url(partner, mine)}/{their_flow}/assets", None),
        ("GET", f"{flows_url(partner, mine)}/{their_flow}/assets/flow.json", None),
        ("GET", f"{flows_url(partner, theirs)}/{their_flow}", None),
    ]
    for method, path, body in attempts:
        response = await http.request(method, path, headers=headers, json=body)
        assert_error(response, 404)
        assert "Secret" not in response.text and their_flow not in response.text
    response = await upload(http, partner, mine, their_flow, fj.text(fj.SURVEY))
    assert_error(response, 404)
    # Cloning their Flow: refused as unknown.
    response = await http.post(
        flows_url(partner, mine), headers=headers, json={"name": "c", "clone_flow_id": their_flow}
    )
    assert_error(response, 400)
    response = await http.get(flows_url(other_partner, theirs), headers=headers)
    assert response.status_code in (401, 403)
    # Theirs is untouched.
    got = await get(http, other_partner, theirs, their_flow, "name,status")
    assert got == {"id": their_flow, "name": "Secret flow", "status": "DRAFT"}


async def test_openapi_documents_the_flow_operations(client: Client) -> None:
    document = (await client.get("/openapi.json")).json()
    base = "/api/v2/partners/{partner_id}/waba_accounts/{waba_account_id}/flows"
    paths = document["paths"]
    assert set(paths[base]) >= {"get", "post"}
    assert set(paths[base + "/{flow_id}"]) >= {"get", "post", "patch", "delete"}
    for action in ("publish", "deprecate", "assets"):
        assert "post" in paths[f"{base}/{{flow_id}}/{action}"]
    assert "post" in paths[base + "/migrate"]
    upload = paths[base + "/{flow_id}/assets"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    create = paths[base]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create


async def test_flows_travel_in_the_world_export_and_seed(
    http: Client, client: Client, partner: PartnerCreds
) -> None:
    waba = await waba_of(client, partner)
    flow_id = await create(http, partner, waba, "Survey", categories=["SURVEY"])
    await upload(http, partner, waba, flow_id, fj.text(fj.SURVEY))
    await act(http, partner, waba, flow_id, "publish")
    before = await get(http, partner, waba, flow_id, "id,name,categories,status,json_version")
    exported = (await client.get("/_emulator/state", headers=EMULATOR)).json()
    (row,) = exported["flows"]
    assert (row["id"], row["status"], row["waba_account_id"]) == (flow_id, "PUBLISHED", waba)
    # Seeding the export back gives the same Flow; a seed without it has none.
    assert (
        await client.post("/_emulator/seed", headers=EMULATOR, json=exported)
    ).status_code == 200
    assert await get(http, partner, waba, flow_id, "id,name,categories,status,json_version") == (
        before
    )
    assets = await http.get(f"{flows_url(partner, waba)}/{flow_id}/assets", headers=partner.headers)
    download = await http.get(assets.json()["data"][0]["download_url"], headers=partner.headers)
    assert json.loads(download.text) == fj.SURVEY
    bad = {**exported, "flows": [{**row, "waba_account_id": "nopeWA"}]}
    refused = await client.post("/_emulator/seed", headers=EMULATOR, json=bad)
    assert refused.status_code == 400
    assert "flows[0].waba_account_id" in refused.text


async def test_the_number_page_lists_the_wabas_flows_with_their_status(
    http: Client, client: Client, partner: PartnerCreds
) -> None:
    done = await onboard(client, partner, ["+4915111111111"])
    waba = str(done["waba_account_id"])
    published = await create(http, partner, waba, "Survey <b>one</b>", categories=["SURVEY"])
    await upload(http, partner, waba, published, fj.text(fj.SURVEY))
    await act(http, partner, waba, published, "publish")
    draft = await create(http, partner, waba, "Broken draft")
    await upload(
        http, partner, waba, draft, fj.text(fj.broken(fj.SURVEY, lambda d: d.pop("screens")))
    )
    await log_in(http, partner.email, partner.password)
    page = await http.get(f"/hub/channels/{done['channel_ids'][0]}")
    assert page.status_code == 200, page.text
    text = page.text
    assert "WhatsApp Flows" in text
    assert "Survey &lt;b&gt;one&lt;/b&gt;" in text and "<b>one" not in text
    assert '<span class="badge ok">published</span>' in text
    assert '<span class="badge progress">draft</span>' in text
    assert "1 error<" in text


async def test_status_changes_reach_the_numbers_webhook_as_metas_flows_field(
    http: Client, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, _ = await ready_channel(client, partner, receiver)
    waba = str(channel["waba_account_id"])
    flow_id = await create(http, partner, waba, "Survey")
    await upload(http, partner, waba, flow_id, fj.text(fj.SURVEY))
    assert (await act(http, partner, waba, flow_id, "publish")).status_code == 200
    await eventually(lambda: len(receiver.requests) >= 1)
    # Meta's monitoring (the emulator's control) throttles it; the partner then deprecates it.
    throttled = await client.post(
        f"/_emulator/flows/{flow_id}/status", headers=EMULATOR, json={"status": "THROTTLED"}
    )
    assert throttled.json() == {"id": flow_id, "status": "THROTTLED"}
    await eventually(lambda: len(receiver.requests) >= 2)
    assert (await act(http, partner, waba, flow_id, "deprecate")).status_code == 200
    await eventually(lambda: len(receiver.requests) >= 3)
    bodies = [json.loads(r.body) for r in receiver.requests]
    changes = [b["entry"][0]["changes"][0] for b in bodies]
    assert [c["field"] for c in changes] == ["flows", "flows", "flows"]
    assert [c["value"] for c in changes] == [
        {
            "event": "FLOW_STATUS_CHANGE",
            "message": "Flow Survey changed status from DRAFT to PUBLISHED",
            "flow_id": flow_id,
            "old_status": "DRAFT",
            "new_status": "PUBLISHED",
        },
        {
            "event": "FLOW_STATUS_CHANGE",
            "message": "Flow Survey changed status from PUBLISHED to THROTTLED",
            "flow_id": flow_id,
            "old_status": "PUBLISHED",
            "new_status": "THROTTLED",
        },
        {
            "event": "FLOW_STATUS_CHANGE",
            "message": "Flow Survey changed status from THROTTLED to DEPRECATED",
            "flow_id": flow_id,
            "old_status": "THROTTLED",
            "new_status": "DEPRECATED",
        },
    ]
    assert all(b["object"] == "whatsapp_business_account" for b in bodies)
    # A refused change sends nothing.
    assert (await act(http, partner, waba, flow_id, "publish")).status_code == 400
    await asyncio.sleep(0.3)
    assert len(receiver.requests) == 3

    # The dashboard's overview names the Flow and its new status in the recent events.
    await log_in(http, partner.email, partner.password)
    overview = (await http.get("/hub")).text
    for status in ("PUBLISHED", "THROTTLED", "DEPRECATED"):
        assert f"Flow {flow_id}: {status}" in overview
