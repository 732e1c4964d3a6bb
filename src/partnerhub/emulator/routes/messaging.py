"""``/_emulator`` controls for the Messaging API side: a WhatsApp user writing in, numbers
that cannot be reached (delivery faults) and MM Lite's terms [ours]."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Request, post
from litestar.params import FromPath, FromQuery

from partnerhub.domain.clock import isoformat
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.media.model import MAX_UPLOAD
from partnerhub.domain.media.services import TooLarge, check_mime
from partnerhub.domain.messaging import coexistence, delivery_faults, marketing, services
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import json_problem, read_body
from partnerhub.server.openapi import documents_body


class InboundDoc(msgspec.Struct):
    """For the schema only: the body is checked by ``payloads.parse_inbound``."""

    channel_id: str
    type: str
    profile_name: str | None = None
    text: dict[str, Any] | None = None


class UnreachableIn(msgspec.Struct, forbid_unknown_fields=True):
    unreachable: bool = True
    error_code: int = services.UNDELIVERABLE
    # A named fault (delivery_faults.FAULTS: undeliverable, not_on_whatsapp, rate_limited,
    # spam_limit, media_download_failed, ...) instead of a bare error_code.
    fault: str | None = None


class MmLiteTermsIn(msgspec.Struct, forbid_unknown_fields=True):
    accepted: bool = True


@post(
    "/messages/inbound",
    summary="A WhatsApp user sends a message to a channel (opens the 24-hour window)",
    status_code=200,
)
@documents_body(InboundDoc)
async def inbound(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    raw = await request.body()
    try:
        body = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput("body", json_problem(raw, exc)) from None
    except RecursionError:  # msgspec's answer to arrays nested thousands deep
        raise InvalidInput("body", "is nested too deeply") from None
    state = app_state(request)
    async with state.uow() as uow:
        message = await services.receive_inbound(uow, state.clock, body)
    return {
        "id": message.id,
        "channel_id": message.channel_id,
        "from": message.wa_id,
        "type": message.type,
        "timestamp": isoformat(message.created_at),
    }


@post(
    "/numbers/{wa_id:str}/unreachable",
    summary="Make messages to a WhatsApp number fail (or reachable again)",
    status_code=200,
)
@documents_body(UnreachableIn)
async def unreachable(request: Request[Any, Any, Any], wa_id: FromPath[str]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, UnreachableIn)
    code = body.error_code
    if body.fault is not None:
        if body.fault not in delivery_faults.FAULTS:
            raise InvalidInput("fault", f"must be one of {', '.join(delivery_faults.FAULTS)}")
        code = delivery_faults.code_of(body.fault)
    if not 1 <= code <= 10**7:
        raise InvalidInput("error_code", "must be a Meta error code, e.g. 131026")
    state = app_state(request)
    async with state.uow() as uow:
        await services.set_unreachable(uow, wa_id, code if body.unreachable else None)
    answer: dict[str, Any] = {
        "wa_id": wa_id.lstrip("+"),
        "unreachable": body.unreachable,
        "error_code": code,
    }
    if body.fault is not None:
        answer["fault"] = body.fault
    return answer


@post(
    "/waba_accounts/{waba_account_id:str}/mm_lite_terms",
    summary="The WABA's business accepts the MM Lite terms (or withdraws, accepted=false)",
    status_code=200,
)
@documents_body(MmLiteTermsIn)
async def mm_lite_terms(
    request: Request[Any, Any, Any], waba_account_id: FromPath[str]
) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, MmLiteTermsIn)
    state = app_state(request)
    async with state.uow() as uow:
        at = await marketing.accept_terms(uow, state.clock, waba_account_id, body.accepted)
    return {
        "waba_account_id": waba_account_id,
        "accepted": body.accepted,
        "accepted_at": None if at is None else isoformat(at),
    }


@post(
    "/media",
    summary=(
        "Store bytes as a media file of a channel, as a WhatsApp user's media arrives (body: the "
        "bytes, Content-Type: their MIME type, ?channel_id=); give the id to an inbound message"
    ),
    status_code=201,
)
async def inbound_media(
    request: Request[Any, Any, Any], channel_id: FromQuery[str | None] = None
) -> dict[str, Any]:
    await guard(request)
    if not channel_id:
        raise InvalidInput("channel_id", "is required (a query parameter)")
    state = app_state(request)
    async with state.uow() as uow:
        owner = await uow.clients.owner_of_channel(channel_id)
    if owner is None:
        raise NotFound("channel not found")
    mime = request.headers.get("content-type") or ""
    check_mime(mime)
    try:
        staged = await state.media.stage(request.stream(), MAX_UPLOAD)
    except TooLarge as exc:
        raise InvalidInput("body", f"is over {exc.limit} bytes") from None
    media = await state.media.register(
        None, staged, mime, channel=(owner, channel_id), origin="inbound"
    )
    return {
        "id": media.id,
        "channel_id": media.channel_id,
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": media.file_size,
    }


class AppText(msgspec.Struct, forbid_unknown_fields=True):
    body: str


class AppMessageIn(msgspec.Struct, forbid_unknown_fields=True):
    to: str
    text: AppText
    type: Literal["text"] = "text"


@post(
    "/channels/{channel_id:str}/app_message",
    summary=(
        "Coexistence: the business sends a message from the WhatsApp Business app; Meta echoes "
        "it to the number's messaging webhook (smb_message_echoes)"
    ),
    status_code=200,
)
@documents_body(AppMessageIn)
async def app_message(request: Request[Any, Any, Any], channel_id: FromPath[str]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, AppMessageIn)
    state = app_state(request)
    async with state.uow() as uow:
        return await coexistence.app_message(uow, state.clock, channel_id, body.to, body.text.body)


HANDLERS = [inbound, unreachable, mm_lite_terms, inbound_media, app_message]
