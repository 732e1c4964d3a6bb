"""``POST /_emulator/partners``: a partner of its own for each test, in one request [ours].

The pytest plugin (:mod:`partnerhub.pytest_plugin`) isolates tests by giving each one a fresh
partner rather than wiping the database: a partner's credentials see only its own clients,
numbers, templates and deliveries. ``/_emulator/seed`` would do it too, but it replaces the
whole world, which a test suite running against one shared server cannot afford.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, post

from partnerhub.emulator.partners import create_ready_partner
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body


class NewPartnerIn(msgspec.Struct, forbid_unknown_fields=True):
    brand_name: str = "Test Partner"
    webhook_url: str | None = None
    partner_redirect_url: str | None = None
    # Return the platform secret that signs this partner's webhooks (every partner has one;
    # false only leaves it out of the answer).
    platform_secret: bool = True


@post(
    "/partners",
    summary="A new partner with an API key and platform secret (no hub user), secrets returned",
    status_code=201,
)
@documents_body(NewPartnerIn)
async def create_partner(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, NewPartnerIn)
    state = app_state(request)
    async with state.uow() as uow:
        ready = await create_ready_partner(
            uow,
            state.clock,
            brand_name=body.brand_name,
            key_prefix=state.key_prefix,
            master_key=state.master_key,
            webhook_url=body.webhook_url,
            partner_redirect_url=body.partner_redirect_url,
            platform_secret=body.platform_secret,
        )
    return {
        "partner_id": ready.partner.id,
        "api_key": ready.key.secret,
        "api_key_id": ready.key.key.id,
        "platform_secret": ready.platform_secret,
        "webhook_url": ready.partner.webhook_url,
    }


HANDLERS = [create_partner]
