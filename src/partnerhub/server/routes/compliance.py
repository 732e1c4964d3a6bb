"""Display-name changes and Click-to-WhatsApp signals of a partner's numbers (issue 18)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath

from partnerhub.domain.clients.model import Channel
from partnerhub.domain.compliance import ctwa, display_names
from partnerhub.domain.errors import InvalidInput
from partnerhub.server.auth import app_state, require_partner
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.wire import compliance as wire

_CHANNEL = "/clients/{client_id:str}/channels/{channel_id:str}"


def display_name_request(request: dict[str, Any]) -> wire.DisplayNameRequest:
    return msgspec.convert(request, wire.DisplayNameRequest)


def display_names_of(channel: Channel) -> wire.DisplayNames:
    return wire.DisplayNames(
        channel_id=channel.id,
        phone_name=channel.phone_name,
        name_status=channel.name_status,
        requests=[display_name_request(r) for r in reversed(channel.display_name_requests)],
    )


def _wanted_name(body: wire.DisplayNameIn) -> str:
    """``display_name`` or Meta's ``new_display_name``: exactly one of them."""
    if body.display_name is not None and body.new_display_name is not None:
        raise InvalidInput("new_display_name", "give display_name or new_display_name, not both")
    wanted = body.display_name if body.display_name is not None else body.new_display_name
    if wanted is None:
        raise InvalidInput("display_name", "is required (or Meta's new_display_name)")
    return wanted


@post(
    _CHANNEL + "/display_name",
    summary="Request a display-name change for a number (reviewed by Meta)",
    tags=["Channels"],
    status_code=200,
)
@documents_body(wire.DisplayNameIn)
async def request_display_name(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    channel_id: FromPath[str],
) -> wire.DisplayNameRequest:
    await require_partner(request, partner_id)
    body = await read_body(request, wire.DisplayNameIn)
    wanted = _wanted_name(body)
    state = app_state(request)
    async with state.uow() as uow:
        _channel, made = await display_names.request_change(
            uow, state.clock, partner_id, client_id, channel_id, wanted
        )
    return display_name_request(made)


@get(
    _CHANNEL + "/display_name",
    summary="A number's display name, its review status and its change requests",
    tags=["Channels"],
)
async def get_display_names(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    channel_id: FromPath[str],
) -> wire.DisplayNames:
    await require_partner(request, partner_id)
    async with app_state(request).reads() as uow:
        channel = await display_names.requests_of(uow, partner_id, client_id, channel_id)
    return display_names_of(channel)


async def _ctwa(
    request: Request[Any, Any, Any], partner_id: str, client_id: str, channel_id: str, on: bool
) -> wire.CtwaStatus:
    await require_partner(request, partner_id)
    state = app_state(request)
    async with state.uow() as uow:
        view = await ctwa.set_ctwa(uow, state.clock, partner_id, client_id, channel_id, on)
    return wire.CtwaStatus(channel_id=view.channel.id, ctwa_enabled=view.channel.ctwa_enabled)


@post(
    _CHANNEL + "/enable_ctwa",
    summary="Enable Click-to-WhatsApp ads signals for a number",
    tags=["Channels"],
    status_code=200,
)
async def enable_ctwa(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    channel_id: FromPath[str],
) -> wire.CtwaStatus:
    return await _ctwa(request, partner_id, client_id, channel_id, True)


@post(
    _CHANNEL + "/disable_ctwa",
    summary="Disable Click-to-WhatsApp ads signals for a number",
    tags=["Channels"],
    status_code=200,
)
async def disable_ctwa(
    request: Request[Any, Any, Any],
    partner_id: FromPath[str],
    client_id: FromPath[str],
    channel_id: FromPath[str],
) -> wire.CtwaStatus:
    return await _ctwa(request, partner_id, client_id, channel_id, False)


HANDLERS = [request_display_name, get_display_names, enable_ctwa, disable_ctwa]
