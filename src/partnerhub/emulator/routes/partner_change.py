"""``/_emulator/partner_change_requests``: a client asks, as from its 360dialog Client Hub, to
move to another partner (issue 18 item 5) [ours: the Client Hub is not simulated]."""

from __future__ import annotations

from typing import Any

from litestar import Request, post

from partnerhub.domain.partner_change import services
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.server.presenters.partner_change import partner_change_request
from partnerhub.wire import partner_change as wire


@post(
    "/partner_change_requests",
    summary="A client requests a partner change to another partner (decided at once when "
    "that partner auto-approves)",
    status_code=201,
)
@documents_body(wire.PartnerChangeRequestIn)
async def request_partner_change(request: Request[Any, Any, Any]) -> wire.PartnerChangeRequest:
    await guard(request)
    body = await read_body(request, wire.PartnerChangeRequestIn)
    state = app_state(request)
    async with state.uow() as uow:
        pcr = await services.request_change(
            uow, state.clock, body.client_id, body.target_partner_id
        )
    return partner_change_request(pcr)


HANDLERS: list[Any] = [request_partner_change]
