"""``POST /messages`` (and its sandbox alias ``POST /v1/messages``) as a bare ASGI layer: the
send path, without the framework's per-request machinery.

Sending is the one endpoint partners call at volume (every WhatsApp message their product
sends), so it is answered here, below Litestar: the channel key, the body, the group-committed
send and the answer, with the same checks, in the same order, and the same Graph-shaped errors
as the routed handler in :mod:`partnerhub.server.routes.messaging`, which stays the documented
operation (``/openapi.json``) and answers everything else on that path (405 for other methods).
Request ids, metrics and the access log come from :class:`RequestIdMiddleware` around this
layer, as for every route. Measured in docs/benchmarks.md ("POST /messages").
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import structlog
from litestar.types import ASGIApp, Receive, Scope, Send

from partnerhub.domain.errors import DomainError
from partnerhub.domain.messaging.errors import INVALID_PARAMETER, GraphError, unknown_error
from partnerhub.server.errors import graph
from partnerhub.server.routes.messaging import (
    SEND_PATHS,
    answer_send,
    channel_key,
    decode_json_body,
)
from partnerhub.server.state import AppState

log = structlog.get_logger("partnerhub.messaging")

# Each path the send is answered on (with or without a trailing slash) -> its route's template.
_PATHS = {variant: path for path in SEND_PATHS for variant in (path, path + "/")}
_JSON = (b"content-type", b"application/json")
_encode = msgspec.json.Encoder().encode


class _TooLarge(Exception):
    """The body is over ``max_body_bytes`` (announced or streamed)."""


class SendPath:
    """Answers ``POST /messages`` and ``POST /v1/messages`` itself and hands every other request
    to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope: dict[str, Any] = asgi_scope  # type: ignore[assignment]
        template = (
            _PATHS.get(route_path(scope))
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if template is None:
            await self.app(asgi_scope, receive, send)
            return
        scope["path_template"] = template  # the metrics label, as the router would set it
        state: AppState = scope["app"].state.partnerhub
        trace_id = graph.fbtrace_id(scope)
        # Errors answer through the Graph renderer, as on the routed handler.
        try:
            status, body = await _send_message(state, scope, receive)
        except DomainError as exc:
            refused = graph.answer(exc)
        except _TooLarge:
            refused = graph.transport(
                413, GraphError(INVALID_PARAMETER, "Request Entity Too Large")
            )
        except Exception as exc:
            refused = graph.unexpected(exc, scope["path"])
        else:
            await answer_json(send, status, body)
            return
        await answer_json(send, refused.status, refused.body(trace_id), refused.raw_headers())


def route_path(scope: dict[str, Any]) -> str:
    """The path the router matches: without the app's mount point (``root_path``), if any."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


async def _send_message(
    state: AppState, scope: dict[str, Any], receive: Receive
) -> tuple[int, dict[str, Any]]:
    """The routed handler's steps: who is calling first, then the body, then the send."""
    principal = await state.channel_keys.authenticate(channel_key(scope["headers"]))
    raw = await _read_body(scope, receive, state.settings.max_body_bytes)
    return 200, await answer_send(state, principal, decode_json_body(raw))


async def _read_body(scope: dict[str, Any], receive: Receive, limit: int) -> bytes:
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
                raise _TooLarge
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
                raise _TooLarge
            chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def answer_json(
    send: Send,
    status: int,
    payload: dict[str, Any],
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = _encode(payload)
    start: Any = {
        "type": "http.response.start",
        "status": status,
        "headers": [_JSON, (b"content-length", str(len(body)).encode()), *(headers or [])],
    }
    end: Any = {"type": "http.response.body", "body": body}
    await send(start)
    await send(end)
