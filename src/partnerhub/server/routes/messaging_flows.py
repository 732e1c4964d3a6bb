"""The WhatsApp Flows of a number's WABA on the Messaging API, by channel key: ``GET /flows``
(360dialog's Messaging API reference "Flows", operation "List Flows": ``flows.ListResponse``,
``{data: [Flow], paging}``). The WABA is the key's, as the phone number is for every Messaging
API path; the Partner API's ``…/waba_accounts/{id}/flows`` manages the same Flows."""

from __future__ import annotations

import base64
from typing import Any

from litestar import Request, get

from partnerhub.domain.flows import services
from partnerhub.server.auth import app_state
from partnerhub.server.presenters import flows as present
from partnerhub.server.routes.messaging import channel_principal
from partnerhub.wire import flows as wire

FLOWS_PATH = "/flows"


def _cursor(flow_id: str) -> str:
    # Meta's cursors are opaque base64 strings; here they encode the Flow's id.
    return base64.urlsafe_b64encode(flow_id.encode()).decode().rstrip("=")


@get(
    FLOWS_PATH,
    summary=(
        "List the WhatsApp Flows of the number's WABA (fields: which Flow fields to return, "
        "as on the Partner API)"
    ),
    tags=["Messaging API"],
)
async def list_flows(request: Request[Any, Any, Any]) -> wire.MessagingFlowList:
    principal = await channel_principal(request)
    fields = present.parse_fields(list(request.query_params.getall("fields", [])))
    invalidate = present.wants_preview_invalidated(fields)
    state = app_state(request)
    partner_id, waba_id = principal.partner_id, principal.waba_account_id
    async with state.uow() as uow:
        waba = await services.waba_of_partner(uow, partner_id, waba_id)
        if invalidate is None:
            flows = await services.list_flows(uow, partner_id, waba_id)
        else:
            flows = await services.list_with_previews(
                uow, state.clock, partner_id, waba_id, invalidate=invalidate
            )
    now = state.clock.now()
    shown = [present.flow(f, waba, fields, now) for f in flows]
    if not flows:
        return wire.MessagingFlowList(data=[])
    cursors = wire.Cursors(before=_cursor(flows[0].id), after=_cursor(flows[-1].id))
    return wire.MessagingFlowList(data=shown, paging=wire.Paging(cursors=cursors))


HANDLERS = [list_flows]
