"""Partner API authentication: ``X-API-Key`` or ``Authorization: Bearer``, then ownership.

Order matters: the credential is checked first (401), then the ``{partner_id}`` in the path is
checked against it (403). Objects under one's own partner that belong to someone else are the
services' business, and answer 404 (spec §2.1).

Handlers call :func:`require_partner` themselves rather than through Litestar's dependency
injection: it is the hot path of every request, and DI costs about a tenth of a cache-hit request.
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


def _credentials(scope: Any) -> tuple[bytes | None, bytes | None]:
    # Raw ASGI headers are lower-case bytes: cheaper than building a Headers object.
    api_key = authorization = None
    for name, value in scope["headers"]:
        if name == b"x-api-key":
            api_key = value
        elif name == b"authorization":
            authorization = value
    return api_key, authorization


# Where a middleware that already authenticated this request leaves the caller (scope state).
PRINCIPAL = "partnerhub_principal"


async def authenticate_scope(state: AppState, scope: Any) -> Principal:
    """The caller of a raw ASGI request (routed handlers and the hot paths share it)."""
    known = scope.get("state", {}).get(PRINCIPAL)
    if known is not None:
        return known  # type: ignore[no-any-return]
    state.cache.refresh()  # the one change check of this request (see adapters/cache.py)
    api_key, authorization = _credentials(scope)
    if api_key is not None:
        return await state.authenticator.api_key(api_key.decode("latin-1").strip())
    if authorization:
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return await state.authenticator.bearer(token.strip())
        raise AuthenticationFailed("Authorization header must be 'Bearer <token>'")
    raise AuthenticationFailed("Missing credentials: send X-API-Key or Authorization: Bearer")


async def require_partner_scope(state: AppState, scope: Any, partner_id: str) -> Principal:
    """Authenticate, then insist the credentials belong to ``partner_id``; then spend one
    request of the credential's general budget (spec §3.5: everything else, per key)."""
    principal = await authenticate_scope(state, scope)
    if principal.partner_id != partner_id:
        raise PermissionDenied("These credentials do not grant access to this partner")
    if state.api_budget is not None:
        await state.rate_limits.hit_budget(state.api_budget, principal.credential_id)
    return principal


async def authenticate(request: Request[Any, Any, Any]) -> Principal:
    return await authenticate_scope(app_state(request), request.scope)


async def require_partner(request: Request[Any, Any, Any], partner_id: str) -> Principal:
    return await require_partner_scope(app_state(request), request.scope, partner_id)
