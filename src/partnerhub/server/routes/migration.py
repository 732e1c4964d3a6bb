"""Number migration (issue 18 item 4): bring a number into a client from another BSP or from
Meta (register, request a code, verify it), and move a number to a new WABA of its client."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath

from partnerhub.domain.migration import services
from partnerhub.server.auth import app_state, require_partner
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.server.presenters import migration as present
from partnerhub.wire import migration as wire

_BASE = "/clients/{client_id:str}/number_migrations"


@post(
    _BASE,
    summary="Start migrating a number into the client (from another BSP or from Meta)",
    tags=["Number migration"],
    status_code=201,
)
@documents_body(wire.MigrationIn)
async def start_migration(
    request: Request[Any, Any, Any], partner_id: FromPath[str], client_id: FromPath[str]
) -> wire.Migration:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.MigrationIn)
    state = app_state(request)
    async with state.uow() as uow:
        view = await services.start_migration(
            uow, state.clock, partner_id, client_id, body.phone_number, body.phone_name
        )
    return present.migration(view)


@get(
    _BASE + "/{channel_id:str}",
    summary="A number migration's state",
    tags=["Number migration"],
)
async def get_migration(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    channel_id: FromPath[str],
) -> wire.Migration:
    await require_partner(request, partner_id)
    async with app_state(request).reads() as uow:
        view = await services.get_migration(uow, partner_id, client_id, channel_id)
    return present.migration(view)


@post(
    _BASE + "/{channel_id:str}/request_code",
    summary="Send the migrating number a one-time code by SMS or voice call",
    tags=["Number migration"],
    status_code=200,
)
@documents_body(wire.RequestCodeIn)
async def request_code(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    channel_id: FromPath[str],
) -> wire.Migration:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.RequestCodeIn)
    state = app_state(request)
    async with state.uow() as uow:
        view = await services.request_code(
            uow, state.clock, partner_id, client_id, channel_id, body.code_method, body.language
        )
    return present.migration(view)


@post(
    _BASE + "/{channel_id:str}/verify_code",
    summary="Complete the migration with the code the number received",
    tags=["Number migration"],
    status_code=200,
)
@documents_body(wire.VerifyCodeIn)
async def verify_code(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    channel_id: FromPath[str],
) -> wire.Migration:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.VerifyCodeIn)
    state = app_state(request)
    async with state.uow() as uow:
        view = await services.verify_code(
            uow,
            state.clock,
            partner_id,
            client_id,
            channel_id,
            body.code,
            step_seconds=state.settings.simulator_step_seconds,
        )
    return present.migration(view)


@post(
    "/clients/{client_id:str}/channels/{channel_id:str}/waba_migration",
    summary="Move a number to a new WABA of its client (a new currency moves the whole WABA)",
    tags=["Number migration"],
    status_code=200,
)
@documents_body(wire.WabaMoveIn, required=False)
async def waba_migration(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    channel_id: FromPath[str],
) -> wire.WabaMove:
    await require_partner(request, partner_id)
    raw = (await request.body()).strip()
    body = await read_body(request, wire.WabaMoveIn) if raw else wire.WabaMoveIn()
    state = app_state(request)
    async with state.uow() as uow:
        move = await services.move_to_new_waba(
            uow, state.clock, partner_id, client_id, channel_id, body.currency
        )
    return present.waba_move(move)


HANDLERS = [start_migration, get_migration, request_code, verify_code, waba_migration]
