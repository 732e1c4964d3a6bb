"""``/_emulator`` controls for number migration (issue 18 item 4) [ours]: the Meta side of a
number being migrated. Turn the number's two-step verification on or off where it is now, and
read the one-time code Meta "sent" it by SMS or voice."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath

from partnerhub.domain.clock import isoformat
from partnerhub.domain.migration import services
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body


class TwoStepIn(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool


@post(
    "/numbers/{wa_id:str}/two_step",
    summary="Turn a phone number's two-step verification on or off (migrations refuse while on)",
    status_code=200,
)
@documents_body(TwoStepIn)
async def set_two_step(request: Request[Any, Any, Any], wa_id: FromPath[str]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, TwoStepIn)
    state = app_state(request)
    async with state.uow() as uow:
        # ``+`` is optional in the path: ``/numbers/4915112345678/two_step``.
        phone = wa_id if wa_id.startswith("+") else f"+{wa_id}"
        setting = await services.set_two_step(uow, state.clock, phone, body.enabled)
    return {"phone_number": setting.phone_number, "enabled": setting.enabled}


@get(
    "/number_migrations/{channel_id:str}/code",
    summary="The one-time code the migrating number received (SMS or voice)",
)
async def migration_code(
    request: Request[Any, Any, Any], channel_id: FromPath[str]
) -> dict[str, Any]:
    await guard(request)
    async with app_state(request).reads() as uow:
        migration = await services.migration_code(uow, channel_id)
    return {
        "channel_id": migration.channel_id,
        "phone_number": migration.phone_number,
        "status": migration.status,
        "code": migration.code,
        "code_method": migration.code_method,
        "language": migration.language,
        "expires_at": isoformat(migration.code_expires_at),
    }


HANDLERS = [set_two_step, migration_code]
