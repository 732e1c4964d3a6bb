"""``POST /api/v2/token``: bearer tokens (spec §2.2). Errors use the OAuth shape, not ``meta``:
refusals are raised as :class:`TokenGrantError` and rendered by the OAuth renderer
(:mod:`partnerhub.server.errors.oauth`, registered on this handler by its registry)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from partnerhub.domain.auth.services import TokenGrantError
from partnerhub.domain.errors import InvalidInput
from partnerhub.server.addresses import client_address
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.errors.registry import OAUTH_HANDLERS
from partnerhub.server.openapi import documents_body
from partnerhub.wire.auth import TokenRequest, TokenResponse


@post(
    "/api/v2/token",
    summary="Get a bearer token (password or refresh grant)",
    tags=["Auth"],
    status_code=200,
    exception_handlers=OAUTH_HANDLERS,
)
@documents_body(TokenRequest)
async def token(request: Request[Any, Any, Any]) -> Response[TokenResponse]:
    try:
        body = await read_body(request, TokenRequest)
    except InvalidInput as exc:
        raise TokenGrantError("invalid_request", exc.message) from None
    grant = body.grant_type or ("refresh_token" if body.refresh_token else "password")
    state = app_state(request)
    async with state.uow() as uow:
        if grant == "password":
            if not body.username or not body.password:
                raise TokenGrantError("invalid_request", "username and password are required")
            pair = await state.tokens.password_grant(
                uow,
                body.username,
                body.password,
                state.password_guard,
                client_address(request, state.settings.trusted_proxies),
            )
        elif grant == "refresh_token":
            if not body.refresh_token:
                raise TokenGrantError("invalid_request", "refresh_token is required")
            pair = await state.tokens.refresh_grant(uow, body.refresh_token)
        else:
            raise TokenGrantError(
                "unsupported_grant_type", f"grant_type '{grant}' is not supported"
            )
    return Response(
        TokenResponse(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            token_type="Bearer",  # noqa: S106
            expires_in=pair.expires_in,
        ),
        status_code=200,
        headers={"Cache-Control": "no-store"},
    )
