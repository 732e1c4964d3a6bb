"""WhatsApp Flows of a WABA account (issue 18 item 1): 360dialog's Partner API
``/api/v2/partners/{partner_id}/waba_accounts/{waba_account_id}/flows…`` (docs/fidelity.md
"WhatsApp Flows" for the paths and bodies, and where they come from).

Each handler checks the partner, then calls the operation below it (``listing``, ``create``,
``show``, ``update``, ``remove``, ``upload``, ``assets``, ``download``, ``publish``,
``deprecate``), which takes an already authenticated scope: the Messaging API's Flow routes
(:mod:`partnerhub.server.routes.messaging_flows`) call the same operations with a channel key's
partner and WABA, so both APIs validate and answer alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.flows import services
from partnerhub.domain.flows.model import EndpointRequest, Flow
from partnerhub.domain.ports import UnitOfWork
from partnerhub.server.auth import app_state, require_partner
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.server.presenters import flows as present
from partnerhub.wire import flows as wire

PATH = "/waba_accounts/{waba_account_id:str}/flows"
FLOW = PATH + "/{flow_id:str}"
TAGS = ["WhatsApp Flows"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _fields(request: Request[Any, Any, Any]) -> list[present.Field]:
    return present.parse_fields(list(request.query_params.getall("fields", [])))


async def _endpoint_requests(
    uow: UnitOfWork, flows: list[Flow], fields: list[present.Field], now: datetime
) -> dict[str, list[EndpointRequest]]:
    """Each Flow's endpoint requests, when a ``metric`` field asks for them."""
    if not any(f.name == "metric" for f in fields):
        return {}
    return {f.id: await uow.flows.endpoint_requests(f.id, EPOCH, now) for f in flows}


@get(
    PATH,
    summary="List the WABA's Flows (fields: which Flow fields to return)",
    tags=TAGS,
)
async def list_flows(
    request: Request[Any, Any, Any], partner_id: FromPath[str], waba_account_id: FromPath[str]
) -> wire.FlowList:
    await require_partner(request, partner_id)
    shown = [out for _, out in await listing(request, partner_id, waba_account_id)]
    return wire.FlowList(flows=shown, count=len(shown), total=len(shown))


async def listing(
    request: Request[Any, Any, Any], partner_id: str, waba_account_id: str
) -> list[tuple[str, wire.FlowOut]]:
    """The WABA's Flows with the fields asked for, each with its id, for an authenticated
    caller (here and on the Messaging API's ``GET /flows``)."""
    fields = _fields(request)
    invalidate = present.wants_preview_invalidated(fields)
    state = app_state(request)
    async with state.uow() as uow:
        waba = await services.waba_of_partner(uow, partner_id, waba_account_id)
        if invalidate is None:
            flows = await services.list_flows(uow, partner_id, waba_account_id)
        else:
            flows = await services.list_with_previews(
                uow, state.clock, partner_id, waba_account_id, invalidate=invalidate
            )
        now = state.clock.now()
        requests = await _endpoint_requests(uow, flows, fields, now)
    return [(f.id, present.flow(f, waba, fields, now, requests.get(f.id, ()))) for f in flows]


@post(PATH, summary="Create a Flow (DRAFT), empty or cloned", tags=TAGS, status_code=200)
@documents_body(wire.FlowCreateIn)
async def create_flow(
    request: Request[Any, Any, Any], partner_id: FromPath[str], waba_account_id: FromPath[str]
) -> wire.FlowCreated:
    await require_partner(request, partner_id)
    return await create(request, partner_id, waba_account_id)


async def create(
    request: Request[Any, Any, Any],
    partner_id: str,
    waba_account_id: str,
    *,
    clone_within_waba: bool = False,
) -> wire.FlowCreated:
    """Create a Flow for an authenticated caller (here and on the Messaging API's
    ``POST /flows``). ``clone_within_waba``: ``clone_flow_id`` must name a Flow of this WABA
    (a channel key sees no other WABA), not any of the partner's."""
    body = await read_body(request, wire.FlowCreateIn)
    state = app_state(request)
    new = services.NewFlow(
        name=body.name,
        categories=list(body.categories) if body.categories is not None else None,
        clone_flow_id=body.clone_flow_id,
        endpoint_uri=body.endpoint_uri,
    )
    async with state.uow() as uow:
        flow = await services.create_flow(
            uow,
            state.clock,
            partner_id,
            waba_account_id,
            new,
            clone_within_waba=clone_within_waba,
        )
    return wire.FlowCreated(id=flow.id)


@post(
    PATH + "/migrate",
    summary="Migrate Flows from another WABA of the partner into this one (copies, new ids)",
    tags=TAGS,
    status_code=200,
)
@documents_body(wire.FlowMigrateIn)
async def migrate_flows(
    request: Request[Any, Any, Any], partner_id: FromPath[str], waba_account_id: FromPath[str]
) -> wire.FlowMigrated:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.FlowMigrateIn)
    state = app_state(request)
    async with state.uow() as uow:
        migrated, failed = await services.migrate(
            uow,
            state.clock,
            partner_id,
            waba_account_id,
            body.source_waba_id,
            body.source_flow_names,
        )
    return wire.FlowMigrated(
        migrated_flows=[
            wire.MigratedFlow(m.source_name, m.source_id, m.migrated_id) for m in migrated
        ],
        failed_flows=[
            wire.FailedFlow(f.source_name, f.error_code, f.error_message) for f in failed
        ],
    )


@get(
    FLOW,
    summary=(
        "Get a Flow (fields: e.g. preview.invalidate(false) for a preview link, "
        "metric.name(ENDPOINT_REQUEST_COUNT).granularity(DAY) for endpoint metrics)"
    ),
    tags=TAGS,
)
async def get_flow(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    flow_id: FromPath[str],
) -> wire.FlowOut:
    await require_partner(request, partner_id)
    return await show(request, partner_id, waba_account_id, flow_id)


async def show(
    request: Request[Any, Any, Any], partner_id: str, waba_account_id: str, flow_id: str
) -> wire.FlowOut:
    """One Flow with the fields asked for, for an authenticated caller."""
    fields = _fields(request)
    invalidate = present.wants_preview_invalidated(fields)
    state = app_state(request)
    async with state.uow() as uow:
        waba = await services.waba_of_partner(uow, partner_id, waba_account_id)
        if invalidate is None:
            flow = await services.get_flow(uow, partner_id, waba_account_id, flow_id)
        else:
            flow = await services.preview(
                uow, state.clock, partner_id, waba_account_id, flow_id, invalidate=invalidate
            )
        now = state.clock.now()
        requests = await _endpoint_requests(uow, [flow], fields, now)
    return present.flow(flow, waba, fields, now, requests.get(flow.id, ()))


async def update(
    request: Request[Any, Any, Any], partner_id: str, waba_account_id: str, flow_id: str
) -> wire.FlowSuccess:
    """Update a DRAFT Flow's metadata, for an authenticated caller."""
    body = await read_body(request, wire.FlowUpdateIn)
    state = app_state(request)
    edit = services.FlowEdit(
        name=body.name,
        categories=list(body.categories) if body.categories is not None else None,
        endpoint_uri=body.endpoint_uri,
    )
    async with state.uow() as uow:
        await services.update_flow(uow, state.clock, partner_id, waba_account_id, flow_id, edit)
    return wire.FlowSuccess(success=True)


@post(FLOW, summary="Update a DRAFT Flow's metadata (Meta's method)", tags=TAGS, status_code=200)
@documents_body(wire.FlowUpdateIn)
async def update_flow(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    flow_id: FromPath[str],
) -> wire.FlowSuccess:
    await require_partner(request, partner_id)
    return await update(request, partner_id, waba_account_id, flow_id)


@patch(FLOW, summary="Update a DRAFT Flow's metadata", tags=TAGS, status_code=200)
@documents_body(wire.FlowUpdateIn)
async def patch_flow(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    flow_id: FromPath[str],
) -> wire.FlowSuccess:
    await require_partner(request, partner_id)
    return await update(request, partner_id, waba_account_id, flow_id)


@delete(FLOW, summary="Delete a DRAFT Flow", tags=TAGS, status_code=200)
async def delete_flow(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    flow_id: FromPath[str],
) -> wire.FlowSuccess:
    await require_partner(request, partner_id)
    return await remove(request, partner_id, waba_account_id, flow_id)


async def remove(
    request: Request[Any, Any, Any], partner_id: str, waba_account_id: str, flow_id: str
) -> wire.FlowSuccess:
    """Delete a DRAFT Flow, for an authenticated caller."""
    async with app_state(request).uow() as uow:
        await services.delete(uow, partner_id, waba_account_id, flow_id)
    return wire.FlowSuccess(success=True)


@post(
    FLOW + "/assets",
    summary=(
        "Upload the Flow JSON (multipart: file, name=flow.json, asset_type=FLOW_JSON); answers "
        "Meta's validation_errors"
    ),
    tags=TAGS,
    status_code=200,
)
@documents_body(wire.FlowAssetForm, media_type="multipart/form-data")
async def upload_asset(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    flow_id: FromPath[str],
) -> wire.AssetUploaded:
    await require_partner(request, partner_id)
    return await upload(request, partner_id, waba_account_id, flow_id)


async def upload(
    request: Request[Any, Any, Any], partner_id: str, waba_account_id: str, flow_id: str
) -> wire.AssetUploaded:
    """Upload the Flow JSON (multipart), for an authenticated caller."""
    state = app_state(request)
    async with state.reads() as uow:  # the caller's Flow, before reading its body
        await services.get_flow(uow, partner_id, waba_account_id, flow_id)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput("file", "send the Flow JSON as multipart/form-data")
    form = await request.form()
    file = form.get("file")
    if isinstance(file, UploadFile):
        content = await file.read()
    elif isinstance(file, str):
        content = file.encode()
    else:
        raise InvalidInput("file", "the Flow JSON file is required")
    async with state.uow() as uow:
        flow = await services.upload_flow_json(
            uow,
            state.clock,
            partner_id,
            waba_account_id,
            flow_id,
            name=str(form.get("name") or ""),
            asset_type=str(form.get("asset_type") or ""),
            content=content,
        )
    errors = msgspec.convert(flow.validation_errors, list[wire.ValidationError])
    return wire.AssetUploaded(success=True, validation_errors=errors)


@get(FLOW + "/assets", summary="The Flow's assets (its Flow JSON) with download links", tags=TAGS)
async def list_assets(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    flow_id: FromPath[str],
) -> wire.FlowAssets:
    await require_partner(request, partner_id)
    flows_path = f"/api/v2/partners/{partner_id}/waba_accounts/{waba_account_id}/flows"
    return await assets(request, partner_id, waba_account_id, flow_id, flows_path)


async def assets(
    request: Request[Any, Any, Any],
    partner_id: str,
    waba_account_id: str,
    flow_id: str,
    flows_path: str,
) -> wire.FlowAssets:
    """The Flow's assets for an authenticated caller; ``flows_path`` is where the caller's API
    serves the Flows (the download link is under it, with the same credentials)."""
    state = app_state(request)
    async with state.uow() as uow:
        flow = await services.get_flow(uow, partner_id, waba_account_id, flow_id)
    found = []
    if flow.flow_json is not None:
        base = (state.settings.public_base_url or str(request.base_url)).rstrip("/")
        url = f"{base}{flows_path}/{flow.id}/assets/{services.ASSET_NAME}"
        found.append(wire.FlowAsset(services.ASSET_NAME, services.ASSET_TYPE, url))
    return wire.FlowAssets(data=found, paging={"cursors": {"before": "", "after": ""}})


@get(FLOW + "/assets/flow.json", summary="Download the Flow JSON", tags=TAGS)
async def download_asset(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    flow_id: FromPath[str],
) -> Response[Any]:
    await require_partner(request, partner_id)
    return await download(request, partner_id, waba_account_id, flow_id)


async def download(
    request: Request[Any, Any, Any], partner_id: str, waba_account_id: str, flow_id: str
) -> Response[Any]:
    """The Flow JSON itself, for an authenticated caller."""
    async with app_state(request).uow() as uow:
        flow = await services.get_flow(uow, partner_id, waba_account_id, flow_id)
    if flow.flow_json is None:
        raise NotFound("The Flow has no Flow JSON yet")
    return Response(flow.flow_json.encode(), media_type="application/json")


@post(FLOW + "/publish", summary="Publish a valid DRAFT Flow", tags=TAGS, status_code=200)
async def publish_flow(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    flow_id: FromPath[str],
) -> wire.FlowSuccess:
    await require_partner(request, partner_id)
    return await publish(request, partner_id, waba_account_id, flow_id)


async def publish(
    request: Request[Any, Any, Any], partner_id: str, waba_account_id: str, flow_id: str
) -> wire.FlowSuccess:
    """Publish a valid DRAFT Flow, for an authenticated caller (its status change webhook
    goes out in the same transaction)."""
    state = app_state(request)
    async with state.uow() as uow:
        await services.publish(uow, state.clock, partner_id, waba_account_id, flow_id)
    return wire.FlowSuccess(success=True)


@post(FLOW + "/deprecate", summary="Deprecate a PUBLISHED Flow", tags=TAGS, status_code=200)
async def deprecate_flow(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    waba_account_id: FromPath[str],
    flow_id: FromPath[str],
) -> wire.FlowSuccess:
    await require_partner(request, partner_id)
    return await deprecate(request, partner_id, waba_account_id, flow_id)


async def deprecate(
    request: Request[Any, Any, Any], partner_id: str, waba_account_id: str, flow_id: str
) -> wire.FlowSuccess:
    """Deprecate a PUBLISHED Flow, for an authenticated caller (its status change webhook
    goes out in the same transaction)."""
    state = app_state(request)
    async with state.uow() as uow:
        await services.deprecate(uow, state.clock, partner_id, waba_account_id, flow_id)
    return wire.FlowSuccess(success=True)


HANDLERS = [
    list_flows,
    create_flow,
    migrate_flows,
    get_flow,
    update_flow,
    patch_flow,
    delete_flow,
    upload_asset,
    list_assets,
    download_asset,
    publish_flow,
    deprecate_flow,
]
