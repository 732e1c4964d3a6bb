"""The WhatsApp Flows of a number's WABA on the Messaging API, by channel key.

``GET /flows`` is 360dialog's Messaging API reference "Flows", operation "List Flows"
(``flows.ListResponse``, ``{data: [Flow], paging}``). The rest of Meta's Flows management is
served on Meta's Cloud API paths under the key's base URL (``POST /flows``,
``GET``/``POST``/``DELETE /flows/{flow_id}``, ``…/assets``, ``…/publish``, ``…/deprecate``),
with the key's WABA where Meta's path has ``{waba_id}``: the WABA is the key's, as the phone
number is for every Messaging API path. Each operation is the Partner API's
(:mod:`partnerhub.server.routes.flows`, the same services, checks, answers and status change
webhooks); only the caller differs (a channel key, scoped to its WABA: another WABA's Flow is
not found, even the same partner's) and the errors are Graph's (the messaging router's)."""

from __future__ import annotations

import base64
from typing import Any

from litestar import Request, Response, delete, get, post
from litestar.params import FromPath

from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.server.openapi import documents_body
from partnerhub.server.routes import flows as shared
from partnerhub.server.routes.messaging import channel_principal
from partnerhub.wire import flows as wire

FLOWS_PATH = "/flows"
FLOW_PATH = FLOWS_PATH + "/{flow_id:str}"
TAGS = ["Messaging API"]


def _cursor(flow_id: str) -> str:
    # Meta's cursors are opaque base64 strings; here they encode the Flow's id.
    return base64.urlsafe_b64encode(flow_id.encode()).decode().rstrip("=")


async def _scope(request: Request[Any, Any, Any]) -> tuple[str, str]:
    """The channel key's partner and WABA: the scope of every Flow operation here."""
    principal: ChannelPrincipal = await channel_principal(request)
    return principal.partner_id, principal.waba_account_id


@get(
    FLOWS_PATH,
    summary=(
        "List the WhatsApp Flows of the number's WABA (fields: which Flow fields to return, "
        "as on the Partner API)"
    ),
    tags=TAGS,
)
async def list_flows(request: Request[Any, Any, Any]) -> wire.MessagingFlowList:
    partner_id, waba_id = await _scope(request)
    listed = await shared.listing(request, partner_id, waba_id)
    if not listed:
        return wire.MessagingFlowList(data=[])
    cursors = wire.Cursors(before=_cursor(listed[0][0]), after=_cursor(listed[-1][0]))
    return wire.MessagingFlowList(
        data=[out for _, out in listed], paging=wire.Paging(cursors=cursors)
    )


@post(
    FLOWS_PATH,
    summary=(
        "Create a Flow (DRAFT) in the number's WABA, empty or cloned from another Flow of it "
        "(Meta's POST /{waba_id}/flows)"
    ),
    tags=TAGS,
    status_code=200,
)
@documents_body(wire.FlowCreateIn)
async def create_flow(request: Request[Any, Any, Any]) -> wire.FlowCreated:
    partner_id, waba_id = await _scope(request)
    return await shared.create(request, partner_id, waba_id, clone_within_waba=True)


@get(
    FLOW_PATH,
    summary=(
        "Get a Flow of the number's WABA (fields: e.g. preview.invalidate(false), "
        "metric.name(ENDPOINT_REQUEST_COUNT).granularity(DAY))"
    ),
    tags=TAGS,
)
async def get_flow(request: Request[Any, Any, Any], flow_id: FromPath[str]) -> wire.FlowOut:
    partner_id, waba_id = await _scope(request)
    return await shared.show(request, partner_id, waba_id, flow_id)


@post(FLOW_PATH, summary="Update a DRAFT Flow's metadata", tags=TAGS, status_code=200)
@documents_body(wire.FlowUpdateIn)
async def update_flow(request: Request[Any, Any, Any], flow_id: FromPath[str]) -> wire.FlowSuccess:
    partner_id, waba_id = await _scope(request)
    return await shared.update(request, partner_id, waba_id, flow_id)


@delete(FLOW_PATH, summary="Delete a DRAFT Flow", tags=TAGS, status_code=200)
async def delete_flow(request: Request[Any, Any, Any], flow_id: FromPath[str]) -> wire.FlowSuccess:
    partner_id, waba_id = await _scope(request)
    return await shared.remove(request, partner_id, waba_id, flow_id)


@post(
    FLOW_PATH + "/assets",
    summary=(
        "Upload the Flow JSON (multipart: file, name=flow.json, asset_type=FLOW_JSON); answers "
        "Meta's validation_errors"
    ),
    tags=TAGS,
    status_code=200,
)
@documents_body(wire.FlowAssetForm, media_type="multipart/form-data")
async def upload_asset(
    request: Request[Any, Any, Any], flow_id: FromPath[str]
) -> wire.AssetUploaded:
    partner_id, waba_id = await _scope(request)
    return await shared.upload(request, partner_id, waba_id, flow_id)


@get(
    FLOW_PATH + "/assets",
    summary="The Flow's assets (its Flow JSON) with download links (same D360-API-KEY)",
    tags=TAGS,
)
async def list_assets(request: Request[Any, Any, Any], flow_id: FromPath[str]) -> wire.FlowAssets:
    partner_id, waba_id = await _scope(request)
    return await shared.assets(request, partner_id, waba_id, flow_id, FLOWS_PATH)


@get(FLOW_PATH + "/assets/flow.json", summary="Download the Flow JSON", tags=TAGS)
async def download_asset(request: Request[Any, Any, Any], flow_id: FromPath[str]) -> Response[Any]:
    partner_id, waba_id = await _scope(request)
    return await shared.download(request, partner_id, waba_id, flow_id)


@post(FLOW_PATH + "/publish", summary="Publish a valid DRAFT Flow", tags=TAGS, status_code=200)
async def publish_flow(request: Request[Any, Any, Any], flow_id: FromPath[str]) -> wire.FlowSuccess:
    partner_id, waba_id = await _scope(request)
    return await shared.publish(request, partner_id, waba_id, flow_id)


@post(
    FLOW_PATH + "/deprecate",
    summary="Deprecate a PUBLISHED (or THROTTLED, BLOCKED) Flow",
    tags=TAGS,
    status_code=200,
)
async def deprecate_flow(
    request: Request[Any, Any, Any], flow_id: FromPath[str]
) -> wire.FlowSuccess:
    partner_id, waba_id = await _scope(request)
    return await shared.deprecate(request, partner_id, waba_id, flow_id)


HANDLERS = [
    list_flows,
    create_flow,
    get_flow,
    update_flow,
    delete_flow,
    upload_asset,
    list_assets,
    download_asset,
    publish_flow,
    deprecate_flow,
]
