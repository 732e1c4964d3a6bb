"""The ``/token`` endpoint's error renderer: OAuth 2.0's shape (RFC 6749 §5.2), not ``meta``.

Generic OAuth clients read ``error`` and ``error_description``. The status of each OAuth error
code is :data:`STATUS`; a locked-out password grant (``retry_after`` set) is a 429 whatever its
code. Every answer is ``Cache-Control: no-store``, as the token answers are.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response

from partnerhub.domain.auth.services import TokenGrantError
from partnerhub.wire.errors import OAuthError

STATUS: dict[str, int] = {
    "invalid_request": 400,
    "unsupported_grant_type": 400,
    "invalid_grant": 401,
    "access_denied": 403,
}
LOCKED_OUT = 429


def status_of(exc: TokenGrantError) -> int:
    return LOCKED_OUT if exc.retry_after is not None else STATUS.get(exc.error, 400)


def oauth_response(exc: TokenGrantError) -> Response[OAuthError]:
    status = status_of(exc)
    headers = {"Cache-Control": "no-store"}
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return Response(
        OAuthError(error=exc.error, error_description=exc.message),
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def handle_token_error(request: Request[Any, Any, Any], exc: TokenGrantError) -> Response[Any]:
    return oauth_response(exc)
