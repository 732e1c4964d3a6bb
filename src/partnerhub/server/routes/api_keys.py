"""``/api/v2/partners/{partner_id}/api_keys`` [ours]: the hub's API Keys section as an API."""

from __future__ import annotations

from typing import Any

from litestar import Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from partnerhub.domain.keys import services
from partnerhub.server import presenters
from partnerhub.server.auth import app_state, require_partner
from partnerhub.server.body import read_body
from partnerhub.server.listing import ListParams, envelope
from partnerhub.server.openapi import documents_body
from partnerhub.wire import api_keys as wire


@post("/api_keys", summary="Create a partner API key", tags=["API keys"], status_code=201)
@documents_body(wire.ApiKeyCreate)
async def create_api_key(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.ApiKeyCreated:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.ApiKeyCreate)
    state = app_state(request)
    async with state.uow() as uow:
        issued = await services.issue_key(
            uow, state.clock, partner_id, body.name, prefix=state.key_prefix
        )
    return presenters.issued_key(issued)


@get("/api_keys", summary="List partner API keys (never the secrets)", tags=["API keys"])
async def list_api_keys(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    page: NamedDependency[ListParams],
) -> wire.ApiKeyList:
    await require_partner(request, partner_id)
    query = page.parse(services.SORTABLE, services.FILTERABLE)
    async with app_state(request).reads() as uow:
        keys, total = await services.list_keys(uow, partner_id, query)
    return wire.ApiKeyList(
        **envelope(query, total, len(keys)), api_keys=[presenters.api_key(k) for k in keys]
    )


@delete("/api_keys/{key_id:str}", summary="Revoke a partner API key", tags=["API keys"])
async def revoke_api_key(
    request: Request[Any, Any, Any], partner_id: FromPath[str], key_id: FromPath[str]
) -> None:
    await require_partner(request, partner_id)
    state = app_state(request)
    async with state.uow() as uow:
        await services.revoke_key(uow, state.clock, partner_id, key_id)


HANDLERS = [create_api_key, list_api_keys, revoke_api_key]
