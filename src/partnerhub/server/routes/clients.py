"""Clients, channels and WABA accounts of a partner (spec §4)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from msgspec import UnsetType

from partnerhub.domain.clients import account_sharing, editing, lifecycle, queries, shared
from partnerhub.server import presenters
from partnerhub.server.auth import app_state, require_partner
from partnerhub.server.body import read_body
from partnerhub.server.listing import ListParams, envelope
from partnerhub.server.openapi import documents_body
from partnerhub.wire import clients as wire
from partnerhub.wire.errors import ErrorBody

CLIENT_FILTERS = {key: str for key in queries.CLIENT_FILTER_KEYS}


@get("/clients", summary="List clients", tags=["Clients"])
async def list_clients(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    page: NamedDependency[ListParams],
) -> wire.ClientList:
    await require_partner(request, partner_id)
    query = page.parse(queries.CLIENT_SORTABLE, CLIENT_FILTERS)
    async with app_state(request).reads() as uow:
        clients, total = await queries.list_clients(uow, partner_id, query)
    return wire.ClientList(
        **envelope(query, total, len(clients)),
        clients=[presenters.client(c) for c in clients],
    )


@patch("/clients/{client_id:str}", summary="Update a client", tags=["Clients"])
@documents_body(wire.ClientPatch)
async def update_client(
    request: Request[Any, Any, Any], partner_id: FromPath[str], client_id: FromPath[str]
) -> wire.Client:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.ClientPatch)
    changes = {
        name: getattr(body, name)
        for name in body.__struct_fields__
        if not isinstance(getattr(body, name), UnsetType)
    }
    state = app_state(request)
    async with state.uow() as uow:
        client = await editing.update_client(uow, state.clock, partner_id, client_id, changes)
    return presenters.client(client)


@post(
    "/account_sharing/clients",
    summary="Create a client for hosted embedded signup (account sharing)",
    tags=["Clients"],
    status_code=200,
)
@documents_body(wire.SharedClientIn)
async def create_shared_client(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.Client:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.SharedClientIn)
    state = app_state(request)
    async with state.uow() as uow:
        client = await shared.create_shared_client(
            uow,
            state.clock,
            partner_id,
            name=body.name,
            email=body.email,
            user_name=body.user_name,
            partner_payload=body.partner_payload,
        )
    return presenters.client(client)


@post(
    "/account_sharing/numbers",
    summary="Onboard a number shared in your own Embedded Signup (account sharing)",
    tags=["Clients"],
    status_code=200,
    # The body's client_id may name no client of this partner (the path has no id below it).
    responses={
        404: ResponseSpec(ErrorBody, description="Client not found", generate_examples=False)
    },
)
@documents_body(wire.AccountSharingNumberIn)
async def onboard_shared_number(
    request: Request[Any, Any, Any], partner_id: FromPath[str]
) -> wire.AccountSharingNumberOut:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.AccountSharingNumberIn)
    state = app_state(request)
    async with state.uow() as uow:
        done = await account_sharing.onboard_shared_number(
            uow,
            state.clock,
            partner_id,
            account_sharing.SharedNumber(
                solution_id=body.solution_id,
                waba_external_id=body.waba_external_id,
                waba_business_id=body.waba_business_id,
                client_id=body.client_id,
                tier=body.tier,
                channel_external_id=body.channel_external_id,
                phone_number=body.phone_number,
            ),
            step_seconds=state.settings.simulator_step_seconds,
        )
    return wire.AccountSharingNumberOut(
        solution_id=body.solution_id,
        waba_external_id=body.waba_external_id,
        client_id=done.client.id,
        channel_external_id=done.channel.external_id,
        waba_business_id=body.waba_business_id,
        tier=body.tier,
    )


@get("/channels", summary="List channels (partner_channels)", tags=["Channels"])
async def list_channels(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    page: NamedDependency[ListParams],
) -> wire.ChannelList:
    await require_partner(request, partner_id)
    query = page.parse(queries.CHANNEL_SORTABLE, queries.CHANNEL_FILTERS)
    column_filters = {k: v for k, v in query.filters.items() if k != "q"}
    text = query.filters.get("q")
    async with app_state(request).reads() as uow:
        views, total = await queries.list_channels(
            uow, partner_id, query.with_filters(column_filters), text
        )
    return wire.ChannelList(
        **envelope(query, total, len(views)),
        partner_channels=[presenters.channel(v.channel, v.client, v.waba) for v in views],
    )


@post(
    "/clients/{client_id:str}/channels/{channel_id:str}/control/cancellation_request",
    summary="Request or withdraw a channel's cancellation",
    tags=["Channels"],
    status_code=200,
)
@documents_body(wire.CancellationIn)
async def cancellation_request(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    channel_id: FromPath[str],
) -> wire.Channel:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.CancellationIn)
    state = app_state(request)
    async with state.uow() as uow:
        view = await lifecycle.set_cancellation(
            uow, state.clock, partner_id, client_id, channel_id, body.enabled
        )
    return presenters.channel(view.channel, view.client, view.waba)


@get("/waba_accounts/{waba_account_id:str}", summary="Get a WABA account", tags=["WABA"])
async def get_waba_account(
    request: Request[Any, Any, Any], partner_id: FromPath[str], waba_account_id: FromPath[str]
) -> wire.WabaAccount:
    await require_partner(request, partner_id)
    async with app_state(request).uow() as uow:
        waba = await queries.get_waba(uow, partner_id, waba_account_id)
    return presenters.waba_account(waba)


HANDLERS = [
    list_clients,
    update_client,
    create_shared_client,
    onboard_shared_number,
    list_channels,
    cancellation_request,
    get_waba_account,
]
