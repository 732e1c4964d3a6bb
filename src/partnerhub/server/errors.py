"""The one place where errors become HTTP responses.

Domain errors map to status codes here; every non-2xx answer of the Partner API uses the spec's
``meta`` envelope (§3.4); nothing ever returns a stack trace.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from partnerhub.adapters import db
from partnerhub.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from partnerhub.domain.messaging.errors import INVALID_PARAMETER, GraphError
from partnerhub.server.surfaces import Surface, surface_of
from partnerhub.wire.errors import ErrorBody, Meta

log = structlog.get_logger("partnerhub.errors")

_STATUS: dict[type[DomainError], int] = {
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 400,
}

_DEFAULT_MESSAGES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def request_id(request: Request[Any, Any, Any]) -> str | None:
    return scope_request_id(request.scope)


def scope_request_id(scope: Any) -> str | None:
    """The id RequestIdMiddleware gave this request (also in ``X-Request-Id``)."""
    value = scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def meta_response(
    request: Request[Any, Any, Any],
    status: int,
    message: str,
    details: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ErrorBody]:
    body = ErrorBody(
        meta=Meta(
            success=False,
            http_code=status,
            developer_message=message,
            details=details or [],
            trace_id=request_id(request),
        )
    )
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def _auth_headers(status: int) -> dict[str, str] | None:
    if status == 401:
        return {"WWW-Authenticate": 'Bearer realm="partnerhub", ApiKey header="X-API-Key"'}
    return None


def handle_rate_limited(request: Request[Any, Any, Any], exc: RateLimited) -> Response[ErrorBody]:
    """429 with ``Retry-After`` and the IETF ``RateLimit`` headers; in ``strict`` fidelity 400,
    as 360dialog documents it (spec §3.5), with ``Retry-After`` only."""
    strict = request.app.state.partnerhub.settings.fidelity == "strict"
    headers = {"Retry-After": str(exc.retry_after)}
    if not strict and exc.limit:
        headers["RateLimit-Limit"] = str(exc.limit)
        headers["RateLimit-Remaining"] = "0"
        headers["RateLimit-Reset"] = str(exc.retry_after)
        headers["RateLimit-Policy"] = f"{exc.limit};w={exc.window}"
    return meta_response(request, 400 if strict else 429, exc.message, exc.details, headers)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[ErrorBody]:
    if isinstance(exc, RateLimited):
        return handle_rate_limited(request, exc)
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
    return meta_response(request, status, exc.message, exc.details, _auth_headers(status))


# Meta's Graph API answers a path it does not know with this code ("Unknown path components").
UNKNOWN_PATH = 2500


def graph_not_routed(
    request: Request[Any, Any, Any], status: int, headers: dict[str, str] | None = None
) -> Response[Any]:
    """A Messaging API path that matches no route (404) or not with this method (405), in
    Meta's Graph shape: Messaging API clients read ``error.code``, never ``meta``."""
    path = request.url.path
    if status == 405:
        error = GraphError(
            INVALID_PARAMETER,
            f"{request.method} is not supported on {path}",
            message=f"Unsupported {request.method.lower()} request",
            http_status=405,
        )
        error.type = "GraphMethodException"
    else:
        error = GraphError(
            UNKNOWN_PATH,
            message=f"Unknown path components: {path}",
            http_status=status,
        )
    trace = request_id(request) or ""
    return Response(
        error.to_body(trace), status_code=status, media_type=MediaType.JSON, headers=headers
    )


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status in (404, 405) and surface_of(request.url.path) is Surface.MESSAGING_API:
        # Only unrouted requests get here: the Messaging API's own routes answer through
        # their router's handlers (server/routes/messaging.py).
        return graph_not_routed(request, status, dict(exc.headers or {}) or None)
    if status >= 500:
        log.error("http_error", status=status, detail=exc.detail)
        return meta_response(request, status, _DEFAULT_MESSAGES.get(status, "Server error"))
    details: list[str] = []
    if isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict):
                key = item.get("key")
                message = item.get("message", "")
                details.append(f"{key}: {message}" if key else str(message))
    message = exc.detail or _DEFAULT_MESSAGES.get(status, "Error")
    if status == 404 and message == "Not Found":
        message = "Resource not found"
    headers = dict(exc.headers or {})
    headers.update(_auth_headers(status) or {})
    return meta_response(request, status, message, details, headers or None)


# Seconds a client is asked to wait while the database is unreachable (a restart or failover).
DATABASE_RETRY_AFTER = 5
DATABASE_UNAVAILABLE = "Service temporarily unavailable: the database cannot be reached; retry"
_UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database is down, restarting or locked,
    rather than that our code is wrong: such requests answer 503 + Retry-After, not 500.
    Running out of connections (pool timeout, "too many clients") counts too."""
    return db.is_out_of_connections(exc) or any(
        isinstance(seen, _UNREACHABLE)
        or (
            isinstance(seen, DBAPIError)
            and (seen.connection_invalidated or isinstance(seen, OperationalError | InterfaceError))
        )
        for seen in db.causes(exc)
    )


def log_database_unavailable(path: str, exc: BaseException) -> None:
    # One line, no traceback: during an outage every request fails the same way.
    log.warning("database_unavailable", path=path, error=type(exc).__name__)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    if database_unavailable(exc):
        log_database_unavailable(request.url.path, exc)
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
        return meta_response(request, 503, DATABASE_UNAVAILABLE, headers=headers)
    log.exception("unhandled_error", path=request.url.path)
    return meta_response(request, 500, "Internal server error")


EXCEPTION_HANDLERS: Any = {
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
