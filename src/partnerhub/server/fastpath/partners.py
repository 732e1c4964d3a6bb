"""``GET /api/v2/partners/{partner_id}`` as a hot route: the Partner API's most frequent read
(clients poll it, and every SDK session starts with it), with the routed handler's auth,
budget, cached view and ``meta``-shaped errors (:mod:`partnerhub.server.routes.partners`)."""

from __future__ import annotations

from typing import Any

from litestar.types import Receive

from partnerhub.server.fastpath.dispatch import META, HotRoute
from partnerhub.server.routes.partners import PARTNER_PATH, partner_view
from partnerhub.server.state import AppState


async def get_partner(
    state: AppState, scope: dict[str, Any], _receive: Receive, params: tuple[str, ...]
) -> tuple[int, Any]:
    return 200, await partner_view(state, scope, params[0])


ROUTES = (HotRoute("GET", PARTNER_PATH, META, get_partner),)
