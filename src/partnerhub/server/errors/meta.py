"""The Partner API's error renderer: the spec's ``meta`` envelope (§3.4).

Every non-2xx answer of the Partner API, of the emulator controls and of the ops paths has this
body, and so does every unrouted path that is not a Messaging API path. The status of each kind
of domain error is :data:`STATUS`; ``RateLimited`` adds its headers (and is a 400 in ``strict``
fidelity, as 360dialog documents it). The bare-ASGI layers (request ids, idempotency) build the
same body with :func:`error_body`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException

from partnerhub.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.server.errors import (
    DATABASE_RETRY_AFTER,
    DATABASE_UNAVAILABLE,
    database_unavailable,
    log_database_unavailable,
    request_id,
)
from partnerhub.server.errors import graph as graph_errors
from partnerhub.server.surfaces import Surface, surface_of
from partnerhub.wire.errors import ErrorBody, Meta

log = structlog.get_logger("partnerhub.errors")

# The status of each kind; the first row that matches wins, a kind not listed is a 400.
STATUS: list[tuple[type[DomainError], int]] = [
    (AuthenticationFailed, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 400),
]

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


def error_body(
    status: int, message: str, details: list[str] | None, trace_id: str | None
) -> ErrorBody:
    return ErrorBody(
        meta=Meta(
            success=False,
            http_code=status,
            developer_message=message,
            details=details or [],
            trace_id=trace_id,
        )
    )


def meta_response(
    request: Request[Any, Any, Any],
    status: int,
    message: str,
    details: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ErrorBody]:
    body = error_body(status, message, details, request_id(request))
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


@dataclass(frozen=True)
class MetaAnswer:
    """One error answer without a framework: status, message, details and extra headers
    (lower-case names, in the order they are sent). The routed handlers and the bare-ASGI hot
    paths (:mod:`partnerhub.server.fastpath`) both answer through it."""

    status: int
    message: str
    details: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)

    def body(self, trace_id: str | None) -> ErrorBody:
        return error_body(self.status, self.message, self.details, trace_id)

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        return [(name.encode(), value.encode("latin-1")) for name, value in self.headers]


_WWW_AUTHENTICATE = ("www-authenticate", 'Bearer realm="partnerhub", ApiKey header="X-API-Key"')


def _auth_headers(status: int) -> list[tuple[str, str]]:
    return [_WWW_AUTHENTICATE] if status == 401 else []


def rate_limited(exc: RateLimited, *, strict: bool) -> MetaAnswer:
    """429 with ``Retry-After`` and the IETF ``RateLimit`` headers; in ``strict`` fidelity 400,
    as 360dialog documents it (spec §3.5), with ``Retry-After`` only."""
    headers = [("retry-after", str(exc.retry_after))]
    if not strict and exc.limit:
        headers += [
            ("ratelimit-limit", str(exc.limit)),
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", str(exc.retry_after)),
            ("ratelimit-policy", f"{exc.limit};w={exc.window}"),
        ]
    return MetaAnswer(400 if strict else 429, exc.message, list(exc.details), headers)


def answer(exc: DomainError, *, strict: bool) -> MetaAnswer:
    """A domain error as the Partner API answers it (a GraphError here is a bug: 500)."""
    if isinstance(exc, GraphError):
        # Only the Messaging API raises these; one that escapes elsewhere is a bug of ours.
        log.error("unhandled_error", error=repr(exc))
        return MetaAnswer(500, _DEFAULT_MESSAGES[500])
    if isinstance(exc, RateLimited):
        return rate_limited(exc, strict=strict)
    status = next((code for kind, code in STATUS if isinstance(exc, kind)), 400)
    return MetaAnswer(status, exc.message, list(exc.details), _auth_headers(status))


def unexpected(exc: Exception, path: str) -> MetaAnswer:
    """Anything else: a database outage (503, retry) or a bug of ours (500, logged)."""
    if database_unavailable(exc):
        log_database_unavailable(path, exc)
        retry = [("retry-after", str(DATABASE_RETRY_AFTER))]
        return MetaAnswer(503, DATABASE_UNAVAILABLE, [], retry)
    log.exception("unhandled_error", path=path)
    return MetaAnswer(500, _DEFAULT_MESSAGES[500])


def response(request: Request[Any, Any, Any], refused: MetaAnswer) -> Response[ErrorBody]:
    return Response(
        refused.body(request_id(request)),
        status_code=refused.status,
        media_type=MediaType.JSON,
        headers=dict(refused.headers) or None,
    )


def _strict(request: Request[Any, Any, Any]) -> bool:
    return bool(request.app.state.partnerhub.settings.fidelity == "strict")


def handle_rate_limited(request: Request[Any, Any, Any], exc: RateLimited) -> Response[ErrorBody]:
    return response(request, rate_limited(exc, strict=_strict(request)))


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[ErrorBody]:
    if isinstance(exc, GraphError):
        return handle_unexpected(request, exc)
    return response(request, answer(exc, strict=_strict(request)))


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status in (404, 405) and surface_of(request.url.path) is Surface.MESSAGING_API:
        # Only unrouted requests get here: the Messaging API's own routes answer through
        # their router's handlers (the Graph renderer).
        return graph_errors.not_routed(request, status, dict(exc.headers or {}) or None)
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
    headers.update(_auth_headers(status))
    return meta_response(request, status, message, details, headers or None)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    return response(request, unexpected(exc, request.url.path))
