"""``/_emulator/embedded_signup``: Meta's side of a partner's own hosted Embedded Signup [ours].

A client finishes the partner's Embedded Signup: Meta registers a new number (in a new WABA and
business portfolio unless the control names them) and hands the partner's page its session-info
message (``{"type": "WA_EMBEDDED_SIGNUP", "event": "FINISH", "data": {...}}``). The partner's
backend then files the number with ``POST …/account_sharing/numbers``, as against 360dialog.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, post

from partnerhub.domain.clients import account_sharing
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body

MetaId = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,32}$")]


class EmbeddedSignupIn(msgspec.Struct, forbid_unknown_fields=True):
    """Name the business portfolio and/or WABA the client picked; new ones otherwise."""

    business_id: MetaId | None = None
    waba_id: MetaId | None = None


@post(
    "/embedded_signup",
    summary="A client finishes your own hosted Embedded Signup: Meta's session-info message",
)
@documents_body(EmbeddedSignupIn)
async def embedded_signup(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, EmbeddedSignupIn)
    async with app_state(request).reads() as uow:
        done = await account_sharing.meta_side_signup(
            uow, business_id=body.business_id, waba_id=body.waba_id
        )
    return {
        "type": "WA_EMBEDDED_SIGNUP",
        "event": "FINISH",
        "data": {
            "phone_number_id": done.phone_number_id,
            "waba_id": done.waba_id,
            "business_id": done.business_id,
        },
        "phone_number": done.phone_number,
    }


HANDLERS = [embedded_signup]
