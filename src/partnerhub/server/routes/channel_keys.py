"""``/api/v2/partners/{partner_id}/channels/{channel_id}/api_keys``: channel keys (spec §2.3)."""

from __future__ import annotations

from typing import Any

from litestar import Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from partnerhub.domain.messaging import keys
from partnerhub.domain.ratelimit import Rule
from partnerhub.server import presenters
from partnerhub.server.auth import app_state, require_partner
from partnerhub.server.listing import ListParams, envelope
from partnerhub.server.state import AppState
from partnerhub.wire import messaging as wire

_PATH = "/channels/{channel_id:str}/api_keys"


def messaging_address(state: AppState, request: Request[Any, Any, Any]) -> str:
    """The Messaging API base URL to give out with a key: this server, as the caller reached
    it, unless ``PARTNERHUB_PUBLIC_BASE_URL`` says otherwise (behind a proxy)."""
    base = state.settings.public_base_url or str(request.base_url)
    return base.rstrip("/")


@post(
    _PATH,
    summary="Generate a channel API key (D360-API-KEY); revokes the channel's older keys",
    tags=["Channel API keys"],
    status_code=200,
)
async def generate_channel_key(
    request: Request[Any, Any, Any], partner_id: FromPath[str], channel_id: FromPath[str]
) -> wire.ChannelKeyCreated:
    await require_partner(request, partner_id)
    state = app_state(request)
    rule = Rule("channel_key_generate", state.settings.channel_key_generate_per_minute, 60)
    await state.rate_limits.hit(rule, partner_id)
    async with state.uow() as uow:
        issued = await keys.generate(uow, state.clock, partner_id, channel_id)
    state.channel_keys.invalidate()
    return presenters.issued_channel_key(issued, messaging_address(state, request))


@get(_PATH, summary="List a channel's API keys (secrets masked)", tags=["Channel API keys"])
async def list_channel_keys(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    channel_id: FromPath[str],
    page: NamedDependency[ListParams],
) -> wire.ChannelKeyList:
    await require_partner(request, partner_id)
    query = page.parse(keys.SORTABLE, keys.FILTERABLE)
    state = app_state(request)
    async with state.reads() as uow:
        found, total = await keys.list_keys(uow, partner_id, channel_id, query)
    address = messaging_address(state, request)
    return wire.ChannelKeyList(
        **envelope(query, total, len(found)),
        api_keys=[presenters.channel_key(k, address) for k in found],
    )


@delete(
    _PATH,
    summary="Revoke every API key of a channel; answers what was revoked",
    tags=["Channel API keys"],
    status_code=200,
)
async def revoke_channel_keys(
    request: Request[Any, Any, Any], partner_id: FromPath[str], channel_id: FromPath[str]
) -> wire.ChannelKeysRevoked:
    await require_partner(request, partner_id)
    state = app_state(request)
    async with state.uow() as uow:
        revoked = await keys.revoke(uow, state.clock, partner_id, channel_id)
    state.channel_keys.invalidate()
    return presenters.revoked_channel_keys(channel_id, revoked)


@delete(
    _PATH + "/{key_id:str}",
    summary="Revoke one channel API key; answers what was revoked",
    tags=["Channel API keys"],
    status_code=200,
)
async def revoke_channel_key(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    channel_id: FromPath[str],
    key_id: FromPath[str],
) -> wire.ChannelKeysRevoked:
    await require_partner(request, partner_id)
    state = app_state(request)
    async with state.uow() as uow:
        revoked = await keys.revoke(uow, state.clock, partner_id, channel_id, key_id)
    state.channel_keys.invalidate()
    return presenters.revoked_channel_keys(channel_id, revoked)


HANDLERS = [generate_channel_key, list_channel_keys, revoke_channel_keys, revoke_channel_key]
