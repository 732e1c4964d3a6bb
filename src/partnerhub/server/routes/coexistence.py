"""Messaging API ``POST /synchronization`` [360] (WhatsApp Coexistence): start the one-time
contacts or history sync of a number that stays on the WhatsApp Business app
(:mod:`partnerhub.domain.messaging.coexistence`)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Request, post

from partnerhub.domain.messaging import coexistence
from partnerhub.server.auth import app_state
from partnerhub.server.openapi import documents_body
from partnerhub.server.routes.messaging import channel_principal, decode_json_body


class SynchronizationIn(msgspec.Struct):
    """For the schema only: the body is checked by ``coexistence.start_sync``."""

    messaging_product: Literal["whatsapp"]
    sync_type: Literal["smb_app_state_sync", "history"]


class SynchronizationStarted(msgspec.Struct):
    messaging_product: str
    request_id: str


@post(
    "/synchronization",
    summary=(
        "Coexistence: start the number's one-time contacts (smb_app_state_sync) or chat "
        "history (history) sync; the webhooks follow"
    ),
    tags=["Messaging API"],
    status_code=200,
)
@documents_body(SynchronizationIn)
async def synchronization(request: Request[Any, Any, Any]) -> SynchronizationStarted:
    principal = await channel_principal(request)
    body = decode_json_body(await request.body())
    state = app_state(request)
    async with state.uow() as uow:
        answer: dict[str, Any] = await coexistence.start_sync(
            uow, state.clock, principal, body, step_seconds=state.settings.simulator_step_seconds
        )
    return SynchronizationStarted(**answer)


HANDLERS = [synchronization]
