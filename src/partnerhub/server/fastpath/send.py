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
from partnerhub.domain.messaging.errors import GraphError, temporarily_unavailable
from partnerhub.server.errors import (
    DATABASE_RETRY_AFTER,
    database_unavailable,
    log_database_unavailable,
)
from partnerhub.server.routes.messaging import (
    SEND_PATHS,
    answer_send,
    as_graph,
    channel_key,
    decode_json_body,
    fbtrace_id,
    graph_headers,
    unknown_error,
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
            _PATHS.get(_route_path(scope))
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if template is None:
            await self.app(asgi_scope, receive, send)
            return
        scope["path_template"] = template  # the metrics label, as the router would set it
        state: AppState = scope["app"].state.partnerhub
        trace_id = fbtrace_id(scope)
        try:
            status, body = await _send_message(state, scope, receive)
        except GraphError as exc:
            await _answer(send, exc.http_status, exc.to_body(trace_id), graph_headers(exc))
            return
        except DomainError as exc:
            error, headers = as_graph(exc)
            await _answer(send, error.http_status, error.to_body(trace_id), headers)
            return
        except _TooLarge:
            error = GraphError(100, "Request Entity Too Large", http_status=413)
            await _answer(send, 413, error.to_body(trace_id))
            return
        except Exception as exc:
            if database_unavailable(exc):
                log_database_unavailable(scope["path"], exc)
                retry = [(b"retry-after", str(DATABASE_RETRY_AFTER).encode())]
                await _answer(send, 503, temporarily_unavailable().to_body(trace_id), retry)
                return
            log.exception("unhandled_error", path=scope["path"])
            await _answer(send, 500, unknown_error().to_body(trace_id))
            return
        await _answer(send, status, body)


def _route_path(scope: dict[str, Any]) -> str:
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


async def _answer(
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
