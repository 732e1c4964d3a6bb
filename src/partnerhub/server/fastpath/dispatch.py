"""The hot-path layer: match a request against a small table of routes and answer it here, or
hand it to the framework untouched.

A :class:`HotRoute` names its method, its path template (``{name}`` segments are parameters,
each one whole non-empty segment) and its :class:`ErrorShape` (Graph for the Messaging API,
``meta`` for the Partner API). Its handler gets the app state, the scope, ``receive`` and the
path parameters, and returns a status and a msgspec-encodable payload; anything it raises is
answered by the error shape's renderer, exactly as the routed twin's exception handlers answer
it. Request ids, metrics and the access log come from
:class:`~partnerhub.server.middleware.RequestIdMiddleware` around this layer, as for every route.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
import structlog
from litestar.types import ASGIApp, Receive, Scope, Send

from partnerhub.domain.errors import DomainError
from partnerhub.domain.messaging.errors import INVALID_PARAMETER, GraphError, unknown_error
from partnerhub.server.errors import graph, meta, scope_request_id
from partnerhub.server.state import AppState

log = structlog.get_logger("partnerhub.http")

Handler = Callable[[AppState, dict[str, Any], Receive, tuple[str, ...]], Awaitable[tuple[int, Any]]]
_JSON = (b"content-type", b"application/json")
_encode = msgspec.json.Encoder().encode


class TooLarge(Exception):
    """The body is over ``max_body_bytes`` (announced or streamed)."""


class ClientGone(Exception):
    """The client went away before its request was read: there is no one to answer."""


class ErrorShape(Protocol):
    """How one surface answers what a hot handler raised: status, body, extra headers."""

    def refuse(
        self, state: AppState, scope: dict[str, Any], exc: Exception
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]: ...


class GraphShape:
    """The Messaging API's Graph errors (:mod:`partnerhub.server.errors.graph`)."""

    def refuse(
        self, state: AppState, scope: dict[str, Any], exc: Exception
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        if isinstance(exc, DomainError):
            refused = graph.answer(exc)
        elif isinstance(exc, TooLarge):
            refused = graph.transport(
                413, GraphError(INVALID_PARAMETER, "Request Entity Too Large")
            )
        else:
            refused = graph.unexpected(exc, scope["path"])
        body = _encode(refused.body(graph.fbtrace_id(scope)))
        return refused.status, body, refused.raw_headers()


class MetaShape:
    """The Partner API's ``meta`` envelope (:mod:`partnerhub.server.errors.meta`)."""

    def refuse(
        self, state: AppState, scope: dict[str, Any], exc: Exception
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        if isinstance(exc, DomainError):
            refused = meta.answer(exc, strict=state.settings.fidelity == "strict")
        elif isinstance(exc, TooLarge):
            # The routed twin's words: the framework's 413 detail (as the Graph shape above).
            refused = meta.MetaAnswer(413, "Request Entity Too Large")
        else:
            refused = meta.unexpected(exc, scope["path"])
        body = _encode(refused.body(scope_request_id(scope)))
        return refused.status, body, refused.raw_headers()


GRAPH = GraphShape()
META = MetaShape()


@dataclass(frozen=True)
class HotRoute:
    """One request answered below the framework."""

    method: str
    template: str
    errors: ErrorShape
    handler: Handler
    # The template's segments: a literal, or None where a parameter goes.
    segments: tuple[str | None, ...] = field(init=False)

    def __post_init__(self) -> None:
        parts = self.template.strip("/").split("/")
        literal = tuple(None if p.startswith("{") and p.endswith("}") else p for p in parts)
        object.__setattr__(self, "segments", literal)

    def match(self, parts: list[str]) -> tuple[str, ...] | None:
        """The path parameters when ``parts`` (the path's segments) fit this template."""
        if len(parts) != len(self.segments):
            return None
        params: list[str] = []
        for want, got in zip(self.segments, parts, strict=True):
            if want is None:
                if not got:
                    return None
                params.append(got)
            elif want != got:
                return None
        return tuple(params)


class HotPaths:
    """Answers the requests ``routes`` match and hands every other one to ``app``."""

    app: ASGIApp

    def __init__(self, app: ASGIApp, routes: tuple[HotRoute, ...]) -> None:
        self.app = app
        self.routes: dict[str, tuple[HotRoute, ...]] = {}
        for route in routes:
            self.routes[route.method] = (*self.routes.get(route.method, ()), route)

    def find(self, scope: dict[str, Any]) -> tuple[HotRoute, tuple[str, ...]] | None:
        candidates = self.routes.get(scope["method"]) if scope["type"] == "http" else None
        if not candidates:
            return None
        path = route_path(scope)
        if len(path) > 1 and path.endswith("/"):  # the router ignores one trailing slash too
            path = path[:-1]
        parts = path[1:].split("/")
        for route in candidates:
            params = route.match(parts)
            if params is not None:
                return route, params
        return None

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope: dict[str, Any] = asgi_scope  # type: ignore[assignment]
        found = self.find(scope)
        if found is None:
            await self.app(asgi_scope, receive, send)
            return
        await self.answer_found(found, scope, receive, send)

    async def answer_found(
        self,
        found: tuple[HotRoute, tuple[str, ...]],
        scope: dict[str, Any],
        receive: Receive,
        send: Send,
        extra: tuple[bytes, bytes] | None = None,
    ) -> int | None:
        """Answer a request :meth:`find` matched, with ``extra`` among the response headers
        (the request id, from :class:`~partnerhub.server.middleware.RequestIdMiddleware`);
        the status sent, or None when the client went away first."""
        route, params = found
        scope["path_template"] = route.template  # the metrics label, as the router sets it
        state: AppState = scope["app"].state.partnerhub
        try:
            status, payload = await route.handler(state, scope, receive, params)
        except ClientGone:
            return None
        except Exception as exc:
            status, body, headers = route.errors.refuse(state, scope, exc)
            await answer(send, status, body, [*headers, extra] if extra else headers)
            return status
        await answer(send, status, _encode(payload), [extra] if extra else None)
        return status


def route_path(scope: dict[str, Any]) -> str:
    """The path the router matches: without the app's mount point (``root_path``), if any."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def header(scope: dict[str, Any], name: bytes, default: str = "") -> str:
    """A request header's value (``name`` lower-case, as ASGI gives them), or ``default``."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return default


async def read_body(scope: dict[str, Any], receive: Receive, limit: int) -> bytes:
    """The whole body, refused past ``limit`` bytes before (Content-Length) or while reading."""
    maximum = limit or math.inf
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                announced = int(value)
            except ValueError:
                raise GraphError(
                    100, f"Invalid content-length: {value.decode('latin-1')!r}"
                ) from None
            if announced > maximum:
                raise TooLarge
            break
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Any = await receive()
        if message["type"] == "http.disconnect":  # as the framework reports it: a 500
            log.error("http_error", status=500, detail="client disconnected prematurely")
            raise unknown_error()
        chunk: bytes = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > maximum:
                raise TooLarge
            chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def answer(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    start: Any = {
        "type": "http.response.start",
        "status": status,
        "headers": [_JSON, (b"content-length", str(len(body)).encode()), *(headers or [])],
    }
    end: Any = {"type": "http.response.body", "body": body}
    await send(start)
    await send(end)
