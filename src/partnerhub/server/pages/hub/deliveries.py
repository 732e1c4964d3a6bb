"""``/hub/deliveries``: the webhook delivery log, each delivery's attempts, and "retry now".

Reads and retries through :mod:`partnerhub.domain.webhooks.services`, as the API's
``/webhook_deliveries`` does: a retry restarts the schedule from an attempt made now.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath

from partnerhub.domain.errors import Conflict, InvalidInput
from partnerhub.domain.hub import views
from partnerhub.domain.webhooks import services as webhooks
from partnerhub.server.pages.hub.web import Hub, posted_form, render, see_other, signed_in

EXCERPT_CHARS = 300


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or "1"), 10**6))
    except ValueError:
        return 1


@get("/deliveries")
async def deliveries_page(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    params = request.query_params
    status, event = params.get("status") or "", params.get("event") or ""
    page = _page_number(params.get("page"))
    query = views.delivery_query(status, event, page)
    async with hub.state.uow() as uow:
        rows, total = await webhooks.list_deliveries(uow, hub.partner_id, query)
    return render(
        hub,
        "deliveries",
        "hub/deliveries.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // views.PAGE_SIZE)),
        status=status,
        event=event,
        statuses=views.DELIVERY_STATUSES,
    )


def _pretty(body: str | None) -> str:
    if body is None:
        return ""
    try:
        return msgspec.json.format(body, indent=2)
    except msgspec.DecodeError:
        return body


async def _detail(hub: Hub, delivery_id: str, status: int = 200, **context: Any) -> Response[str]:
    async with hub.state.uow() as uow:
        detail = await views.delivery_of(uow, hub.partner_id, delivery_id)
    return render(
        hub,
        "deliveries",
        "hub/delivery.html",
        status,
        detail=detail,
        body=_pretty(detail.event.body if detail.event else None),
        excerpt=lambda text: (text or "")[:EXCERPT_CHARS],
        **context,
    )


@get("/deliveries/{delivery_id:str}")
async def delivery_page(
    request: Request[Any, Any, Any], delivery_id: FromPath[str]
) -> Response[str]:
    hub = await signed_in(request)
    notice = (
        "Sent again: the new attempt shows here once it is made."
        if (request.query_params.get("retried"))
        else None
    )
    return await _detail(hub, delivery_id, notice=notice)


@post("/deliveries/{delivery_id:str}/retry", status_code=303)
async def retry(request: Request[Any, Any, Any], delivery_id: FromPath[str]) -> Response[Any]:
    hub = await signed_in(request)
    await posted_form(request, hub)
    try:
        async with hub.state.uow() as uow:
            await webhooks.retry_delivery(uow, hub.state.clock, hub.partner_id, delivery_id)
    except (InvalidInput, Conflict) as refused:
        reason = refused.message.partition(": ")[2] or refused.message
        return await _detail(hub, delivery_id, 409, error=reason[:1].upper() + reason[1:])
    return see_other(f"/hub/deliveries/{delivery_id}?retried=1")


HANDLERS = [deliveries_page, delivery_page, retry]
