"""``/api/v2/partners/{partner_id}`` as hot routes, with the routed handlers' auth, budget,
body decoding and ``meta``-shaped errors (:mod:`partnerhub.server.routes.partners`):

- ``GET``: the Partner API's most frequent read (clients poll it, and every SDK session starts
  with it), from the cached view;
- ``PATCH``: the settings write. Its unit of work is most of its cost, but the framework's share
  (about a fifth) is paid while the process has other requests to serve.
"""

from __future__ import annotations

from typing import Any

from litestar.types import Receive

from partnerhub.server.auth import require_partner_scope
from partnerhub.server.body import decode
from partnerhub.server.fastpath.dispatch import META, HotRoute, header, read_body
from partnerhub.server.routes.partners import PARTNER_PATH, partner_view, patch_partner
from partnerhub.server.state import AppState
from partnerhub.wire import partners as wire


async def get_partner(
    state: AppState, scope: dict[str, Any], _receive: Receive, params: tuple[str, ...]
) -> tuple[int, Any]:
    return 200, await partner_view(state, scope, params[0])


async def update_partner(
    state: AppState, scope: dict[str, Any], receive: Receive, params: tuple[str, ...]
) -> tuple[int, Any]:
    await require_partner_scope(state, scope, params[0])
    raw = await read_body(scope, receive, state.settings.max_body_bytes)
    content_type = header(scope, b"content-type", "application/json").lower()
    return 200, await patch_partner(state, params[0], decode(raw, content_type, wire.PartnerPatch))


ROUTES = (
    HotRoute("GET", PARTNER_PATH, META, get_partner),
    HotRoute("PATCH", PARTNER_PATH, META, update_partner),
)
