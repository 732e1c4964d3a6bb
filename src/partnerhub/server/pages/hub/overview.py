"""``/hub``: the overview — clients and numbers by status, webhook health, recent events."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from partnerhub.domain.compliance import display_names
from partnerhub.domain.hub import views
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partner_change import services as partner_change
from partnerhub.domain.partner_change.model import PcrStatus
from partnerhub.server.pages.hub.present import event_subject
from partnerhub.server.pages.hub.web import render, signed_in


@get("/")
async def overview_page(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    async with hub.state.uow() as uow:
        data = await views.overview(uow, hub.partner_id, hub.state.clock.now())
        # Issue 18 item 5: 360dialog notifies a partner of incoming change requests here.
        _, pending_changes = await partner_change.list_requests(
            uow, hub.partner_id, ListQuery(limit=0), PcrStatus.PENDING
        )
        # Issue 18 item 6: the display-name changes Meta is reviewing.
        names_in_review = await display_names.in_review(uow, hub.partner_id)
    events = [(event, event_subject(event)) for event in data.events]
    return render(
        hub,
        "overview",
        "hub/overview.html",
        data=data,
        events=events,
        pending_changes=pending_changes,
        names_in_review=names_in_review,
    )


HANDLERS = [overview_page]
