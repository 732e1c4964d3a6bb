"""Who may use ``/_emulator``: nobody without an emulator token configured (404, as if the
routes did not exist; outside emulator mode they are not mounted at all), then only the token
holder. And how the routes reach the emulator's runtime (its virtual clock)."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request

from partnerhub.domain.errors import AuthenticationFailed, NotFound
from partnerhub.emulator.runtime import EmulatorRuntime
from partnerhub.server.auth import app_state


async def guard(request: Request[Any, Any, Any]) -> None:
    settings = app_state(request).settings
    if not settings.emulator_enabled or settings.emulator_token is None:
        raise NotFound("Resource not found")
    expected = f"Bearer {settings.emulator_token.get_secret_value()}".encode()
    given = (request.headers.get("authorization") or "").encode()
    if not hmac.compare_digest(given, expected):
        raise AuthenticationFailed("Emulator controls need Authorization: Bearer <emulator token>")


def emulator_of(request: Request[Any, Any, Any]) -> EmulatorRuntime:
    """The emulator's runtime: the hooks the composition root gave this app's state."""
    hooks = app_state(request).hooks
    if not isinstance(hooks, EmulatorRuntime):  # the router is only mounted alongside it
        raise NotFound("Resource not found")
    return hooks
