"""WhatsApp Flows on the Messaging API over real HTTP: ``GET /flows`` (360dialog's Messaging
API reference "Flows", "List Flows") as ``flows.ListResponse`` (``{data, paging}``), ``fields``
as on the Partner API, and the rest of Meta's Flows management under the key's base URL (create,
get, update, upload the Flow JSON, publish, deprecate, delete) with the Partner API's checks,
answers and status change webhooks; only the key's own WABA, Graph errors, and the SDK's
``flows`` (async and sync)."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from partnerhub.client import AsyncMessagingClient, MessagingClient, NotFoundError, ValidationError
from partnerhub.wire import flows as wire_flows
from tests.conftest import PartnerCreds
from tests.helpers import flow_json as fj
from tests.helpers.clock import eventually
from tests.helpers.media import uploaded
from tests.helpers.messaging import generate, ready_channel, running_channel
from tests.helpers.uploads import details, graph_error
from tests.integration.live_http import over_http
from tests.receiver import Receiver

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


async def test_openapi_documents_the_flow_operations(client: Client) -> None:
    document = (await client.get("/openapi.json")).json()
    operations = {
        "/flows": {"get", "post"},
        "/flows/{flow_id}": {"get", "post", "delete"},
        "/flows/{flow_id}/assets": {"get", "post"},
        "/flows/{flow_id}/publish": {"post"},
        "/flows/{flow_id}/deprecate": {"post"},
    }
    for path, methods in operations.items():
        for method in methods:
            assert "Messaging API" in document["paths"][path][method]["tags"], (path, method)
    upload = document["paths"]["/flows/{flow_id}/assets"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


# --- The rest of Meta's Flows management, by channel key ---

SIGN_UP_BROKEN = fj.broken(
    fj.SIGN_UP, lambda d: d["screens"][0]["layout"]["children"][1].update({"initial-text": "x"})
)


async def upload_json(http: Client, key: dict[str, str], flow_id: str, text: str) -> httpx.Response:
    return await http.post(
        f"/flows/{flow_id}/assets",
        headers=key,
        data={"name": "flow.json", "asset_type": "FLOW_JSON"},
        files={"file": ("flow.json", text.encode(), "application/json")},
    )


async def create_by_key(http: Client, key: dict[str, str], name: str, **extra: Any) -> str:
    response = await http.post(
        "/flows", headers=key, json={"name": name, "categories": ["SIGN_UP"], **extra}
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"id"}
    flow_id: str = response.json()["id"]
    assert flow_id.isdigit()
    return flow_id


async def show(http: Client, key: dict[str, str], flow_id: str, fields: str = "") -> Any:
    params = {"fields": fields} if fields else None
    response = await http.get(f"/flows/{flow_id}", headers=key, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_full_cycle_through_the_messaging_api(
    http: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(http, partner, receiver)
    waba = str(channel["waba_account_id"])
    flow_id = await create_by_key(http, key, "Sign up")
    assert await show(http, key, flow_id) == {
        "id": flow_id,
        "name": "Sign up",
        "categories": ["SIGN_UP"],
        "validation_errors": [],
        "status": "DRAFT",
    }
    # The Partner API's checks, in Graph's shape.
    twin = await http.post("/flows", headers=key, json={"name": "Sign up", "categories": ["OTHER"]})
    assert graph_error(twin, 400)["code"] == 100 and "not unique" in details(twin)
    no_categories = await http.post("/flows", headers=key, json={"name": "No categories"})
    assert graph_error(no_categories, 400)["code"] == 100 and "categories" in details(no_categories)
    unknown = await http.post("/flows", headers=key, json={"name": "x", "categories": ["NOPE"]})
    assert graph_error(unknown, 400)["code"] == 100 and details(unknown).startswith("categories")

    # An invalid Flow JSON is stored, with Meta's validation errors; publishing is refused.
    response = await upload_json(http, key, flow_id, fj.text(SIGN_UP_BROKEN))
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    (error,) = response.json()["validation_errors"]
    assert error["error"] == "INVALID_PROPERTY" and error["error_type"] == "JSON_SCHEMA_ERROR"
    assert error["pointers"][0]["path"] == "screens[0].layout.children[1].initial-text"
    assert (await show(http, key, flow_id))["validation_errors"] == [error]
    refused = await http.post(f"/flows/{flow_id}/publish", headers=key)
    graph = graph_error(refused, 400)
    assert graph["code"] == 139002 and graph["message"] == "(#139002) Publishing Flow failed"
    assert "validation error" in details(refused)
    wrong_form = await http.post(
        f"/flows/{flow_id}/assets",
        headers=key,
        data={"name": "other.json", "asset_type": "FLOW_JSON"},
        files={"file": ("flow.json", b"{}", "application/json")},
    )
    assert graph_error(wrong_form, 400)["code"] == 100
    not_multipart = await http.post(f"/flows/{flow_id}/assets", headers=key, json={"file": "{}"})
    graph_error(not_multipart, 400)
    assert details(not_multipart).startswith("file")

    # The metadata of a draft; the fixed JSON clears the errors.
    renamed = await http.post(f"/flows/{flow_id}", headers=key, json={"name": "Sign up now"})
    assert renamed.status_code == 200 and renamed.json() == {"success": True}
    bad_body = await http.post(f"/flows/{flow_id}", headers=key, json={"colour": "red"})
    assert graph_error(bad_body, 400)["code"] == 100 and details(bad_body).startswith("colour")
    response = await upload_json(http, key, flow_id, fj.text(fj.SIGN_UP))
    assert response.json() == {"success": True, "validation_errors": []}
    full = await show(
        http,
        key,
        flow_id,
        "id,name,status,json_version,health_status,whatsapp_business_account,"
        "preview.invalidate(false)",
    )
    assert full["name"] == "Sign up now" and full["json_version"] == "7.1"
    assert full["whatsapp_business_account"]["id"] == waba
    assert full["health_status"]["can_send_message"] == "AVAILABLE"
    assert full["preview"]["preview_url"].startswith(
        f"https://business.facebook.com/wa/manage/flows/{flow_id}/preview/?token="
    )
    bad_field = await http.get(f"/flows/{flow_id}", headers=key, params={"fields": "nope"})
    assert graph_error(bad_field, 400)["code"] == 100 and details(bad_field).startswith("fields")

    # The asset, and its download link on the Messaging API with the same key.
    assets = await http.get(f"/flows/{flow_id}/assets", headers=key)
    assert assets.status_code == 200, assets.text
    (asset,) = assets.json()["data"]
    assert asset["name"] == "flow.json" and asset["asset_type"] == "FLOW_JSON"
    assert asset["download_url"].endswith(f"/flows/{flow_id}/assets/flow.json")
    assert "/api/v2/" not in asset["download_url"]
    download = await http.get(asset["download_url"], headers=key)
    assert download.status_code == 200 and json.loads(download.text) == fj.SIGN_UP

    # Publish; a published Flow's metadata and existence are frozen; deprecate.
    published = await http.post(f"/flows/{flow_id}/publish", headers=key)
    assert published.status_code == 200 and published.json() == {"success": True}
    assert (await show(http, key, flow_id))["status"] == "PUBLISHED"
    frozen = await http.post(f"/flows/{flow_id}", headers=key, json={"name": "Later"})
    assert graph_error(frozen, 400)["code"] == 139001
    kept = await http.delete(f"/flows/{flow_id}", headers=key)
    assert graph_error(kept, 400)["code"] == 139004
    # The Partner API manages the same Flow.
    partner_view = await http.get(
        f"/api/v2/partners/{partner.partner_id}/waba_accounts/{waba}/flows/{flow_id}",
        headers=partner.headers,
    )
    assert partner_view.json()["status"] == "PUBLISHED"
    deprecated = await http.post(f"/flows/{flow_id}/deprecate", headers=key)
    assert deprecated.status_code == 200 and deprecated.json() == {"success": True}
    assert (await show(http, key, flow_id))["status"] == "DEPRECATED"
    again = await http.post(f"/flows/{flow_id}/deprecate", headers=key)
    assert graph_error(again, 400)["code"] == 139003

    # The status changes reached the number's webhook as Meta's flows field.
    await eventually(lambda: len(receiver.requests) >= 2)
    values = [json.loads(r.body)["entry"][0]["changes"][0]["value"] for r in receiver.requests]
    assert [(v["event"], v["flow_id"], v["old_status"], v["new_status"]) for v in values] == [
        ("FLOW_STATUS_CHANGE", flow_id, "DRAFT", "PUBLISHED"),
        ("FLOW_STATUS_CHANGE", flow_id, "PUBLISHED", "DEPRECATED"),
    ]

    # A clone of the WABA's Flow keeps its Flow JSON; a draft is deleted, then gone.
    clone = await create_by_key(http, key, "Sign up copy", clone_flow_id=flow_id)
    copied = await show(http, key, clone, "status,json_version,categories")
    assert copied == {
        "id": clone,
        "status": "DRAFT",
        "json_version": "7.1",
        "categories": ["SIGN_UP"],
    }
    draft = await create_by_key(http, key, "Draft to drop")
    dropped = await http.delete(f"/flows/{draft}", headers=key)
    assert dropped.status_code == 200 and dropped.json() == {"success": True}
    gone = await http.get(f"/flows/{draft}", headers=key)
    assert graph_error(gone, 404)["code"] == 100
    listed = await http.get("/flows", headers=key, params={"fields": "name,status"})
    assert {f["name"]: f["status"] for f in listed.json()["data"]} == {
        "Sign up now": "DEPRECATED",
        "Sign up copy": "DRAFT",
    }


async def test_media_ids_still_resolve_at_the_root(
    http: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    """``GET /{media_id}`` is not shadowed by the Flow paths, nor ``/flows/…`` by it."""
    _, key = await ready_channel(http, partner, receiver)
    media_id = await uploaded(http, key, secrets.token_bytes(1024), "image/png")
    info = await http.get(f"/{media_id}", headers=key)
    assert info.status_code == 200 and info.json()["id"] == media_id
    flow_id = await create_by_key(http, key, "Sign up")
    assert (await show(http, key, flow_id))["id"] == flow_id
    # A media id is not a Flow, a Flow id not a media id.
    assert graph_error(await http.get(f"/flows/{media_id}", headers=key), 404)["code"] == 100
    not_media = await http.get(f"/{flow_id}", headers=key)
    assert not_media.status_code in (400, 404) and "Sign up" not in not_media.text
    unrouted = await http.get(f"/flows/{flow_id}/nope", headers=key)
    assert graph_error(unrouted, 404)["code"] == 2500


async def test_another_wabas_key_finds_nothing(
    http: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    _, own_key = await keyed_channel(http, partner, "+4915100000851")
    key = {"D360-API-KEY": own_key}
    flow_id = await create_by_key(http, key, "Secret sign up")
    assert (await upload_json(http, key, flow_id, fj.text(fj.SURVEY))).status_code == 200
    # Another WABA of the same partner, and another partner's.
    _, sibling = await keyed_channel(http, partner, "+4915100000852")
    _, stranger = await keyed_channel(http, other_partner, "+4915100000853")
    for other in (sibling, stranger):
        headers = {"D360-API-KEY": other}
        calls = [
            ("GET", f"/flows/{flow_id}", None),
            ("GET", f"/flows/{flow_id}?fields=name,preview.invalidate(false)", None),
            ("POST", f"/flows/{flow_id}", {"name": "Hijacked"}),
            ("DELETE", f"/flows/{flow_id}", None),
            ("GET", f"/flows/{flow_id}/assets", None),
            ("GET", f"/flows/{flow_id}/assets/flow.json", None),
            ("POST", f"/flows/{flow_id}/publish", None),
            ("POST", f"/flows/{flow_id}/deprecate", None),
        ]
        for method, url, body in calls:
            response = await http.request(method, url, headers=headers, json=body)
            error = graph_error(response, 404)
            assert error["code"] == 100, (method, url, response.text)
            assert "Secret" not in response.text and "screens" not in response.text
        stolen = await upload_json(http, headers, flow_id, fj.text(fj.SIGN_UP))
        assert graph_error(stolen, 404)["code"] == 100
        # Nor can its Flow be cloned into the caller's WABA.
        clone = await http.post(
            "/flows",
            headers=headers,
            json={"name": "Copy", "categories": ["OTHER"], "clone_flow_id": flow_id},
        )
        assert graph_error(clone, 400)["code"] == 100 and "clone_flow_id" in details(clone)
        listed = await http.get("/flows", headers=headers)
        assert listed.json() == {"data": []}
    # The owner's Flow is untouched.
    mine = await show(http, key, flow_id, "name,status,json_version")
    assert mine == {
        "id": flow_id,
        "name": "Secret sign up",
        "status": "DRAFT",
        "json_version": fj.SURVEY["version"],
    }


async def test_sdk_manages_flows_async_and_sync(http: Client, partner: PartnerCreds) -> None:
    _, key = await keyed_channel(http, partner, "+4915100000861")
    base_url = str(http.base_url)
    async with AsyncMessagingClient(key, base_url=base_url) as sdk:
        flow_id = (await sdk.flows.create("Survey", ["SURVEY"])).id
        with pytest.raises(ValidationError) as refused:
            await sdk.flows.publish(flow_id)  # no Flow JSON yet
        assert refused.value.error is not None and refused.value.error["code"] == 139002
        with pytest.raises(NotFoundError):
            await sdk.flows.get("1234567890123456")
        uploaded_json = await sdk.flows.upload_json(flow_id, fj.SURVEY)
        assert uploaded_json.success and uploaded_json.validation_errors == []
        assert (await sdk.flows.update(flow_id, name="Survey 2")).success
        assert (await sdk.flows.get(flow_id, fields=["name"])) == {
            "id": flow_id,
            "name": "Survey 2",
        }
        (asset,) = (await sdk.flows.assets(flow_id)).data
        assert asset.name == "flow.json"
        assert (await sdk.flows.publish(flow_id)).success
        copy = (await sdk.flows.create("Copy", clone_flow_id=flow_id)).id
        assert (await sdk.flows.delete(copy)).success

    def sync_cycle() -> tuple[str, dict[str, Any]]:
        with MessagingClient(key, base_url=base_url) as sdk:
            assert sdk.flows.deprecate(flow_id).success
            draft = sdk.flows.create("Sync draft", ["OTHER"]).id
            return draft, sdk.flows.get(draft, fields="status")

    draft, got = await asyncio.to_thread(sync_cycle)
    assert got == {"id": draft, "status": "DRAFT"}
