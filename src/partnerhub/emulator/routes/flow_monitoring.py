"""``/_emulator/flows``: Meta's monitoring of a published WhatsApp Flow [ours; Meta throttles
or blocks a Flow whose endpoint or quality fails], driven from the outside (issue 18)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Request, post
from litestar.params import FromPath

from partnerhub.domain.flows import services
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body


class FlowStatusIn(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["PUBLISHED", "THROTTLED", "BLOCKED"]


@post(
    "/flows/{flow_id:str}/status",
    summary=(
        "Meta's monitoring: throttle or block a published Flow, or let it recover "
        "(FLOW_STATUS_CHANGE to the WABA's numbers)"
    ),
    status_code=200,
)
@documents_body(FlowStatusIn)
async def flow_status(request: Request[Any, Any, Any], flow_id: FromPath[str]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, FlowStatusIn)
    state = app_state(request)
    async with state.uow() as uow:
        flow = await services.set_status_by_meta(uow, state.clock, flow_id, body.status)
    return {"id": flow.id, "status": flow.status}


HANDLERS = [flow_status]
