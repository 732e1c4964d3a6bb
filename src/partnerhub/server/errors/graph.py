"""The Messaging API's error renderer: Meta's Graph shape (``{"error": {"code": ...}}``).

Messaging API clients are written against the Cloud API and read ``error.code``, never ``meta``.
Two tables decide every answer: which status each Graph code is sent with, and how a domain error
of another kind (raised by code the Partner API shares) reads in Meta's vocabulary. The routed
handlers (:func:`exception_handlers`), the unrouted Messaging API paths (:func:`not_routed`) and
the raw send path below the framework (:mod:`partnerhub.server.fastpath.send`, through
:func:`answer` and :func:`unexpected`) all answer through them, so the two ways to send a message
cannot drift apart.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException

from partnerhub.domain.errors import (
    AuthenticationFailed,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from partnerhub.domain.flows.services import FlowRefused
from partnerhub.domain.messaging.errors import (
    ACCESS_TOKEN_EXPIRED,
    AUTH_EXCEPTION,
    BUSINESS_ACCOUNT_LOCKED,
    INVALID_PARAMETER,
    PERMISSION_DENIED,
    RATE_LIMIT_HIT,
    TEMPORARILY_UNAVAILABLE,
    UNKNOWN_ERROR,
    GraphError,
    auth_failed,
    permission_denied,
    temporarily_unavailable,
    unknown_error,
)
from partnerhub.server.errors import (
    DATABASE_RETRY_AFTER,
    database_unavailable,
    log_database_unavailable,
    scope_request_id,
)

log = structlog.get_logger("partnerhub.messaging")

# The status each Graph code is answered with; every other code is a 400.
STATUS_OF_CODE: dict[int, int] = {
    AUTH_EXCEPTION: 401,
    ACCESS_TOKEN_EXPIRED: 401,
    PERMISSION_DENIED: 403,
    BUSINESS_ACCOUNT_LOCKED: 403,
    RATE_LIMIT_HIT: 429,
    UNKNOWN_ERROR: 500,
    TEMPORARILY_UNAVAILABLE: 503,
}

# A domain error that is not a GraphError, in Meta's vocabulary: the first row whose kind
# matches gives its Graph error and, where the code alone does not say it, its status.
AS_GRAPH: list[tuple[type[DomainError], Callable[[Any], GraphError], int | None]] = [
    (GraphError, lambda exc: exc, None),
    # Meta's Flows API codes (139001 Flow can't be updated, 139002 publishing failed, ...).
    (
        FlowRefused,
        lambda exc: GraphError(exc.code, exc.details[0], message=f"(#{exc.code}) {exc.title}"),
        None,
    ),
    (AuthenticationFailed, lambda exc: auth_failed(exc.message), None),
    (PermissionDenied, lambda exc: permission_denied(exc.message), None),
    (NotFound, lambda exc: GraphError(INVALID_PARAMETER, exc.message), 404),
    (RateLimited, lambda exc: GraphError(RATE_LIMIT_HIT, exc.message), None),
    (
        InvalidInput,
        lambda exc: GraphError(INVALID_PARAMETER, exc.message, field=exc.field),
        None,
    ),
    (DomainError, lambda exc: GraphError(INVALID_PARAMETER, exc.message), None),
]

# Meta's Graph API answers a path it does not know with this code ("Unknown path components").
UNKNOWN_PATH = 2500

_WWW_AUTHENTICATE = ("www-authenticate", 'ApiKey header="D360-API-KEY"')


@dataclass(frozen=True)
class GraphAnswer:
    """One error answer: status, the Graph error whose body it sends, and extra headers
    (lower-case names, in the order they are sent)."""

    status: int
    error: GraphError
    headers: list[tuple[str, str]] = field(default_factory=list)

    def body(self, trace_id: str) -> dict[str, Any]:
        return self.error.to_body(trace_id)

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        return [(name.encode(), value.encode("latin-1")) for name, value in self.headers]


def status_of(error: GraphError) -> int:
    """The HTTP status a Graph error is sent with."""
    return STATUS_OF_CODE.get(error.code, 400)


def _auth_headers(status: int) -> list[tuple[str, str]]:
    return [_WWW_AUTHENTICATE] if status == 401 else []


def answer(exc: DomainError) -> GraphAnswer:
    """A domain error (a GraphError or any other kind) as the Messaging API answers it."""
    make, status = next((make, s) for kind, make, s in AS_GRAPH if isinstance(exc, kind))
    error = make(exc)
    status = status or status_of(error)
    headers = _auth_headers(status)
    if isinstance(exc, RateLimited):
        headers.append(("retry-after", str(exc.retry_after)))
    return GraphAnswer(status, error, headers)


def transport(
    status: int, error: GraphError, headers: list[tuple[str, str]] | None = None
) -> GraphAnswer:
    """An error whose status the transport decided, not the Graph code: an unrouted path (404),
    another method (405), a body too large (413), a framework refusal."""
    return GraphAnswer(status, error, [*_auth_headers(status), *(headers or [])])


def unexpected(exc: Exception, path: str) -> GraphAnswer:
    """Anything else: a database outage (503, retry) or a bug of ours (500, logged)."""
    if database_unavailable(exc):
        log_database_unavailable(path, exc)
        retry = [("retry-after", str(DATABASE_RETRY_AFTER))]
        return GraphAnswer(status_of(temporarily_unavailable()), temporarily_unavailable(), retry)
    log.exception("unhandled_error", path=path)
    return GraphAnswer(status_of(unknown_error()), unknown_error())


def fbtrace_id(scope: Any) -> str:
    """Meta's trace id is our request id (in X-Request-Id too), so one id finds the log line."""
    return scope_request_id(scope) or secrets.token_urlsafe(12)


def response(
    request: Request[Any, Any, Any], graph: GraphAnswer, *, late_headers: bool = False
) -> Response[Any]:
    """The Litestar response for ``graph``. ``late_headers`` sends its headers after the
    content type and length, where the database-outage answer has always had ``Retry-After``."""
    early = dict(graph.headers) if not late_headers else {}
    result = Response(
        graph.body(fbtrace_id(request.scope)),
        status_code=graph.status,
        media_type=MediaType.JSON,
        headers=early or None,
    )
    if late_headers:
        for name, value in graph.headers:
            result.headers[name] = value
    return result


def not_routed(
    request: Request[Any, Any, Any], status: int, headers: dict[str, str] | None = None
) -> Response[Any]:
    """A Messaging API path that matches no route (404) or not with this method (405)."""
    path = request.url.path
    if status == 405:
        error = GraphError(
            INVALID_PARAMETER,
            f"{request.method} is not supported on {path}",
            message=f"Unsupported {request.method.lower()} request",
        )
        error.type = "GraphMethodException"
    else:
        error = GraphError(UNKNOWN_PATH, message=f"Unknown path components: {path}")
    trace = scope_request_id(request.scope) or ""
    return Response(
        error.to_body(trace), status_code=status, media_type=MediaType.JSON, headers=headers
    )


def handle_domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return response(request, answer(exc))


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        log.error("http_error", status=status, detail=exc.detail)
        error = unknown_error()
        return response(request, transport(status_of(error), error))
    return response(request, transport(status, GraphError(INVALID_PARAMETER, str(exc.detail))))


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return response(request, unexpected(exc, request.url.path), late_headers=True)
