"""``POST /_emulator/seed`` and ``GET /_emulator/state``: start a test from a known world [ours].

Part of the emulator's control plane (same token, same 404 outside emulator mode); the document
format is :mod:`partnerhub.emulator.wire`, the work is :mod:`partnerhub.emulator.world`.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post

from partnerhub.domain.clock import isoformat
from partnerhub.emulator import wire, world, world_export
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body

MAX_SEED_BYTES = 32 * 1024 * 1024  # a world is bigger than an API request


@post(
    "/seed",
    summary="Replace the whole world with a JSON fixture (deterministic ids)",
    request_max_body_size=MAX_SEED_BYTES,
    status_code=200,
)
@documents_body(wire.World)
async def seed(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    document = await read_body(request, wire.World)
    state = app_state(request)
    async with state.uow() as uow:
        summary = await world.seed(
            uow,
            state.clock,
            document,
            step_seconds=state.settings.simulator_step_seconds,
            master_key=state.master_key,
            review_seconds=state.settings.template_review_delay,
        )
    # The whole world changed under this process's caches: a channel key the seed dropped must
    # not authenticate for the rest of its cache lifetime.
    state.channel_keys.invalidate()
    state.cache.invalidate()
    return {
        "seeded": {
            "partners": summary.partners,
            "users": summary.users,
            "api_keys": summary.api_keys,
            "clients": summary.clients,
            "waba_accounts": summary.waba_accounts,
            "channels": summary.channels,
            "waba_templates": summary.waba_templates,
            # History sections only when the document had some (a version-1 answer stays).
            **{section: n for section, n in summary.history.items() if n},
        },
        "now": isoformat(state.clock.now()),
    }


@get(
    "/state",
    summary="Export the whole world in the seed format (secrets as hashes or sealed)",
)
async def state_export(request: Request[Any, Any, Any]) -> wire.World:
    await guard(request)
    state = app_state(request)
    async with state.uow() as uow:
        return await world_export.export(uow, state.master_key)


HANDLERS = [seed, state_export]
