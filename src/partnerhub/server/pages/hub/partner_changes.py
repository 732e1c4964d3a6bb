"""``/hub/partner_changes``: partner change requests to this hub (issue 18 item 5) — the
pending ones with Approve and Reject buttons, then the decided ones.

360dialog's partners get "a notification in your dashboard" and accept it there; through
:mod:`partnerhub.domain.partner_change.services`, as the Partner API's
``/selective_partner_change_requests``: before approval a request shows only its own ids and
status, nothing of the client's numbers or contacts.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partner_change import services
from partnerhub.domain.partner_change.model import PcrStatus
from partnerhub.server.pages.hub.web import posted_form, render, see_other, signed_in

_ALL = ListQuery(limit=1000)
_NOTICES = {
    "approved": "The request was approved: the client and its numbers are now yours. Ask the "
    "client to grant you permission for its numbers before you generate their API keys.",
    "rejected": "The request was rejected: the client stays with its partner.",
}


@get("/partner_changes")
async def partner_changes_page(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    async with hub.state.reads() as uow:
        found, _ = await services.list_requests(uow, hub.partner_id, _ALL)
    return render(
        hub,
        "partner_changes",
        "hub/partner_changes.html",
        pending=[p for p in found if p.status == PcrStatus.PENDING],
        decided=[p for p in found if p.status != PcrStatus.PENDING],
        notice=_NOTICES.get(request.query_params.get("done") or ""),
    )


async def _decide(
    request: Request[Any, Any, Any], pcr_id: str, decision: services.Decision, done: str
) -> Response[Any]:
    hub = await signed_in(request)
    await posted_form(request, hub)
    async with hub.state.uow() as uow:
        await decision(uow, hub.state.clock, hub.partner_id, pcr_id)
    return see_other(f"/hub/partner_changes?done={done}")


@post("/partner_changes/{pcr_id:str}/approve", status_code=303)
async def approve_change(request: Request[Any, Any, Any], pcr_id: FromPath[str]) -> Response[Any]:
    return await _decide(request, pcr_id, services.approve, "approved")


@post("/partner_changes/{pcr_id:str}/reject", status_code=303)
async def reject_change(request: Request[Any, Any, Any], pcr_id: FromPath[str]) -> Response[Any]:
    return await _decide(request, pcr_id, services.reject, "rejected")


HANDLERS = [partner_changes_page, approve_change, reject_change]
