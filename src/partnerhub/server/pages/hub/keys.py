"""``/hub/keys``: partner API keys — generate (the secret shown once), list, revoke.

Through :mod:`partnerhub.domain.keys.services`, as ``/api/v2/partners/{id}/api_keys``: the same
name rules, the same key format, and a revoked key is refused by the API on its next request.
Revoking asks first, on a page of its own (works without JavaScript, and a stray click on the
list cannot revoke anything).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.hub import views
from partnerhub.domain.keys import services
from partnerhub.domain.keys.model import IssuedKey
from partnerhub.domain.listing import ListQuery, SortKey
from partnerhub.server.pages.hub.web import Hub, posted_form, render, see_other, signed_in

_ALL = ListQuery(limit=1000, sort=(SortKey("created_at", descending=True),))


async def _page(
    hub: Hub,
    status: int = 200,
    issued: IssuedKey | None = None,
    name_error: str | None = None,
    name: str = "",
    notice: str | None = None,
) -> Response[str]:
    async with hub.state.uow() as uow:
        keys, _ = await services.list_keys(uow, hub.partner_id, _ALL)
    return render(
        hub,
        "keys",
        "hub/keys.html",
        status,
        keys=keys,
        issued=issued,
        name_error=name_error,
        name=name,
        notice=notice,
    )


@get("/keys")
async def keys_page(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    notice = "The key was revoked." if request.query_params.get("revoked") else None
    return await _page(hub, notice=notice)


@post("/keys", status_code=201)
async def generate_key(request: Request[Any, Any, Any]) -> Response[str]:
    hub = await signed_in(request)
    fields = await posted_form(request, hub)
    name = fields.get("name", "")
    state = hub.state
    try:
        async with state.uow() as uow:
            issued = await services.issue_key(
                uow, state.clock, hub.partner_id, name, prefix=state.key_prefix
            )
    except InvalidInput as invalid:
        return await _page(hub, 400, name_error=invalid.message.partition(": ")[2], name=name)
    return await _page(hub, 201, issued=issued)


@get("/keys/{key_id:str}/revoke")
async def confirm_revoke(request: Request[Any, Any, Any], key_id: FromPath[str]) -> Response[str]:
    hub = await signed_in(request)
    async with hub.state.uow() as uow:
        key = await views.api_key_of(uow, hub.partner_id, key_id)
    return render(hub, "keys", "hub/key_revoke.html", key=key)


@post("/keys/{key_id:str}/revoke", status_code=303)
async def revoke_key(request: Request[Any, Any, Any], key_id: FromPath[str]) -> Response[Any]:
    hub = await signed_in(request)
    await posted_form(request, hub)
    async with hub.state.uow() as uow:
        await services.revoke_key(uow, hub.state.clock, hub.partner_id, key_id)
    return see_other("/hub/keys?revoked=1")


HANDLERS = [keys_page, generate_key, confirm_revoke, revoke_key]
