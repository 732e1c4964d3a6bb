"""``/api/v2/partners/{partner_id}/selective_partner_change_requests``: the partner change
requests to the caller's hub (it is their target), and their approval (360dialog's reference)
or rejection [ours] (issue 18 item 5)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from partnerhub.domain.partner_change import services
from partnerhub.server.auth import app_state, require_partner
from partnerhub.server.listing import ListParams, envelope
from partnerhub.server.presenters.partner_change import partner_change_request
from partnerhub.wire import partner_change as wire

BASE = "/selective_partner_change_requests"
TAGS = ["Partner change"]


@get(BASE, summary="List the partner change requests to your partner hub", tags=TAGS)
async def list_partner_change_requests(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    page: NamedDependency[ListParams],
) -> wire.PartnerChangeRequestList:
    await require_partner(request, partner_id)
    query = page.parse(("created_at",), {"status": str})
    async with app_state(request).reads() as uow:
        found, total = await services.list_requests(
            uow, partner_id, query, query.filters.get("status")
        )
    return wire.PartnerChangeRequestList(
        **envelope(query, total, len(found)),
        partner_change_requests=[partner_change_request(p) for p in found],
    )


async def _decide(
    request: Request[Any, Any, Any], partner_id: str, pcr_id: str, decision: services.Decision
) -> wire.PartnerChangeRequest:
    await require_partner(request, partner_id)
    state = app_state(request)
    async with state.uow() as uow:
        pcr = await decision(uow, state.clock, partner_id, pcr_id)
    return partner_change_request(pcr)


@post(
    BASE + "/{pcr_id:str}/approve",
    summary="Approve a partner change request: the client moves to your hub",
    tags=TAGS,
    status_code=200,
)
async def approve_partner_change_request(
    request: Request[Any, Any, Any], partner_id: FromPath[str], pcr_id: FromPath[str]
) -> wire.PartnerChangeRequest:
    return await _decide(request, partner_id, pcr_id, services.approve)


@post(
    BASE + "/{pcr_id:str}/reject",
    summary="Reject a partner change request [ours]",
    tags=TAGS,
    status_code=200,
)
async def reject_partner_change_request(
    request: Request[Any, Any, Any], partner_id: FromPath[str], pcr_id: FromPath[str]
) -> wire.PartnerChangeRequest:
    return await _decide(request, partner_id, pcr_id, services.reject)


HANDLERS = [
    list_partner_change_requests,
    approve_partner_change_request,
    reject_partner_change_request,
]
