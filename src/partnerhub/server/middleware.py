"""Request ids and access logs, as a bare ASGI middleware (cheapest place on the hot path).

Every response carries ``X-Request-Id``: the caller's own if it sent a sane one, else a new one.
The id is bound into structlog's context, so every log line of the request carries it, and error
bodies echo it as ``360dialog_trace_id``.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time
from typing import Any

import msgspec
import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from partnerhub.adapters.metrics import LATENCY, REQUESTS
from partnerhub.domain.messaging.errors import invalid_parameter
from partnerhub.server.errors import graph, meta
from partnerhub.server.surfaces import Surface, surface_of

_VALID_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
_encoder = msgspec.json.Encoder(enc_hook=str)


def _dumps(event: Any, **_: Any) -> bytes:
    return _encoder.encode(event)


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope: dict[str, Any] = asgi_scope  # type: ignore[assignment]
        if scope["type"] != "http":
            await self.app(asgi_scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value
                break
        request_id = (
            incoming.decode() if incoming and _VALID_ID.match(incoming) else secrets.token_hex(8)
        )
        scope.setdefault("state", {})["request_id"] = request_id
        encoded = request_id.encode()
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", encoded))
                message = {**message, "headers": headers}
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            if "\x00" in scope["path"] or b"%00" in scope["query_string"].lower():
                # No id, name or filter of ours contains NUL, and PostgreSQL cannot compare
                # text with one: refuse it here, once, for every route.
                await _refuse_nul(send_with_id, request_id, scope["path"])
                return
            await self.app(asgi_scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            # The route's template, not its path: ids in paths would make a series per object.
            route = scope.get("path_template") or "unmatched"
            REQUESTS.labels(scope["method"], route, status).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            _access.logger.info(
                "request",
                request_id=request_id,
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")


async def _refuse_nul(send: Any, request_id: str, path: str) -> None:
    message = "path or query: must not contain NUL characters"
    if surface_of(path) is Surface.MESSAGING_API:
        # The Messaging API answers in Meta's Graph shape, even this early (spec §9).
        refused = graph.answer(
            invalid_parameter("path or query", "must not contain NUL characters")
        )
        await _send_json(send, refused.status, msgspec.json.encode(refused.body(request_id)))
        return
    await send_meta_error(send, 400, message, [message], request_id)


async def send_meta_error(
    send: Any,
    status: int,
    message: str,
    details: list[str],
    request_id: str | None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer with the spec's ``meta`` error envelope from bare ASGI code (no Litestar request)."""
    body = msgspec.json.encode(meta.error_body(status, message, details, request_id))
    await _send_json(send, status, body, headers)


async def _send_json(
    send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _AccessLog:
    """The per-request line: its own short processor chain, since it runs on every request."""

    logger: Any = structlog.get_logger("partnerhub.access")


_access = _AccessLog()


def configure_logging(level: str, fmt: str) -> None:
    """structlog to stdout: JSON lines for machines, coloured console for a terminal.

    JSON goes through msgspec straight to bytes. The access line skips the context merge
    (it carries the request id itself) and the exception formatting (it never has one).
    """
    numeric = getattr(logging, level.upper(), logging.INFO)
    use_json = fmt == "json" or (fmt == "auto" and not sys.stdout.isatty())
    stamp = structlog.processors.TimeStamper(fmt="iso", utc=True)
    renderer: Any
    if use_json:
        renderer = structlog.processors.JSONRenderer(serializer=_dumps)
        factory: Any = structlog.BytesLoggerFactory(sys.stdout.buffer)
    else:
        renderer = structlog.dev.ConsoleRenderer()
        factory = structlog.PrintLoggerFactory(sys.stdout)
    wrapper = structlog.make_filtering_bound_logger(numeric)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            stamp,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=wrapper,
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
    _access.logger = structlog.wrap_logger(
        factory(),
        processors=[stamp, renderer],
        wrapper_class=wrapper,
    )
