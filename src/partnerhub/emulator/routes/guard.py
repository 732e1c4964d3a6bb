"""Who may use ``/_emulator``: nobody outside emulator mode (404), then only the token holder."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request

from partnerhub.domain.errors import AuthenticationFailed, NotFound
from partnerhub.server.auth import app_state


async def guard(request: Request[Any, Any, Any]) -> None:
    settings = app_state(request).settings
    if not settings.emulator_enabled or settings.emulator_token is None:
        raise NotFound("Resource not found")
    expected = f"Bearer {settings.emulator_token.get_secret_value()}".encode()
    given = (request.headers.get("authorization") or "").encode()
    if not hmac.compare_digest(given, expected):
        raise AuthenticationFailed("Emulator controls need Authorization: Bearer <emulator token>")
