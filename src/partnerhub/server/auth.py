"""Partner API authentication: ``X-API-Key`` or ``Authorization: Bearer``, then ownership.

Order matters: the credential is checked first (401), then the ``{partner_id}`` in the path is
checked against it (403). Objects under one's own partner that belong to someone else are the
services' business, and answer 404 (spec §2.1).
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from partnerhub.domain.auth.model import Principal
from partnerhub.domain.errors import AuthenticationFailed, PermissionDenied
from partnerhub.server.state import AppState


def app_state(request: Request[Any, Any, Any]) -> AppState:
    state: AppState = request.app.state.partnerhub
    return state


async def authenticate(request: Request[Any, Any, Any]) -> Principal:
    state = app_state(request)
    headers = request.headers
    api_key = headers.get("x-api-key")
    if api_key is not None:
        return await state.authenticator.api_key(api_key.strip())
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return await state.authenticator.bearer(token.strip())
        raise AuthenticationFailed("Authorization header must be 'Bearer <token>'")
    raise AuthenticationFailed("Missing credentials: send X-API-Key or Authorization: Bearer")


async def provide_principal(request: Request[Any, Any, Any], partner_id: str) -> Principal:
    """Litestar dependency for every ``/partners/{partner_id}`` route."""
    principal = await authenticate(request)
    if principal.partner_id != partner_id:
        raise PermissionDenied("These credentials do not grant access to this partner")
    return principal
