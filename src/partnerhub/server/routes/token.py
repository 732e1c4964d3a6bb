"""``POST /api/v2/token``: bearer tokens (spec §2.2). Errors use the OAuth shape, not ``meta``."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, post

from partnerhub.domain.auth.services import TokenGrantError
from partnerhub.domain.errors import InvalidInput
from partnerhub.server.addresses import client_address
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.wire.auth import TokenRequest, TokenResponse
from partnerhub.wire.errors import OAuthError


def _oauth_error(
    error: str, description: str, status: int, retry_after: int | None = None
) -> Response[OAuthError]:
    headers = {"Cache-Control": "no-store"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{error}"'
    return Response(
        OAuthError(error=error, error_description=description),
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


@post(
    "/api/v2/token",
    summary="Get a bearer token (password or refresh grant)",
    tags=["Auth"],
    status_code=200,
)
@documents_body(TokenRequest)
async def token(request: Request[Any, Any, Any]) -> Response[TokenResponse]:
    try:
        body = await read_body(request, TokenRequest)
    except InvalidInput as exc:
        return _oauth_error("invalid_request", exc.message, 400)  # type: ignore[return-value]
    grant = body.grant_type or ("refresh_token" if body.refresh_token else "password")
    state = app_state(request)
    try:
        async with state.uow() as uow:
            if grant == "password":
                if not body.username or not body.password:
                    return _oauth_error(  # type: ignore[return-value]
                        "invalid_request", "username and password are required", 400
                    )
                pair = await state.tokens.password_grant(
                    uow,
                    body.username,
                    body.password,
                    state.password_guard,
                    client_address(request, state.settings.trusted_proxies),
                )
            elif grant == "refresh_token":
                if not body.refresh_token:
                    return _oauth_error(  # type: ignore[return-value]
                        "invalid_request", "refresh_token is required", 400
                    )
                pair = await state.tokens.refresh_grant(uow, body.refresh_token)
            else:
                return _oauth_error(  # type: ignore[return-value]
                    "unsupported_grant_type", f"grant_type '{grant}' is not supported", 400
                )
    except TokenGrantError as exc:
        return _oauth_error(  # type: ignore[return-value]
            exc.error, exc.message, exc.status, exc.retry_after
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
