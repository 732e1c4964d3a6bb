"""Request ids and access logs, as a bare ASGI middleware (cheapest place on the hot path).

Every response carries ``X-Request-Id``: the caller's own if it sent a sane one, else a new one.
The id is set in :data:`REQUEST_ID`, so every log line of the request carries it, and error
bodies echo it as ``360dialog_trace_id``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import itertools
import logging
import re
import secrets
import sys
import time
from collections.abc import MutableMapping
from typing import Any

import msgspec
import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from partnerhub.adapters.metrics import LATENCY, REQUESTS
from partnerhub.domain.messaging.errors import invalid_parameter
from partnerhub.server.errors import graph, meta
from partnerhub.server.fastpath.dispatch import HotPaths
from partnerhub.server.surfaces import Surface, surface_of

_VALID_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
_encoder = msgspec.json.Encoder(enc_hook=str)


def _dumps(event: Any, **_: Any) -> bytes:
    return _encoder.encode(event)


# Request ids: a random prefix per process and a counter (unique across processes without
# reading the system's randomness on every request); 16 hex characters, as before.
_ID_PREFIX = secrets.token_hex(4)
_ids = itertools.count(int.from_bytes(secrets.token_bytes(3), "big"))


def _new_id() -> str:
    return f"{_ID_PREFIX}{next(_ids) & 0xFFFFFFFF:08x}"


# The request being answered, for every log line it causes (see _add_request_id): one
# ContextVar set and reset per request, where structlog's bind/unbind_contextvars cost about
# four times as much on every request, logging or not.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "partnerhub_request_id", default=None
)


def _add_request_id(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The structlog processor giving a line the id of the request it was logged in (unless
    the line names one itself, as the access line does)."""
    request_id = REQUEST_ID.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


# The labelled children of the request metrics, looked up once per (method, route, status):
# ``labels()`` takes a lock and builds a tuple on every call. Routes are templates, so the set is
# small; past the cap (odd methods a client made up) the children are not kept.
_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_CHILDREN_CAP = 4096


def request_metrics(method: str, route: str, status: int) -> tuple[Any, Any]:
    key = (method, route, status)
    found = _CHILDREN.get(key)
    if found is None:
        found = (REQUESTS.labels(method, route, status), LATENCY.labels(method, route))
        if len(_CHILDREN) < _CHILDREN_CAP:
            _CHILDREN[key] = found
    return found


class RequestIdMiddleware:
    """Around ``app``; when ``app`` is the hot-path layer, a request it answers is handed to it
    directly with the id among its headers (no wrapped ``send`` copying the response start),
    and every other request goes straight to the routed app behind it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.hot = app if isinstance(app, HotPaths) else None

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
        request_id = incoming.decode() if incoming and _VALID_ID.match(incoming) else _new_id()
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

        bound = REQUEST_ID.set(request_id)
        try:
            if "\x00" in scope["path"] or b"%00" in scope["query_string"].lower():
                # No id, name or filter of ours contains NUL, and PostgreSQL cannot compare
                # text with one: refuse it here, once, for every route.
                await _refuse_nul(send_with_id, request_id, scope["path"])
                return
            hot = self.hot
            if hot is None:
                await self.app(asgi_scope, receive, send_with_id)
                return
            found = hot.find(scope)
            if found is None:
                await hot.app(asgi_scope, receive, send_with_id)
                return
            answered = await hot.answer_found(
                found, scope, receive, send, (b"x-request-id", encoded)
            )
            if answered is not None:
                status = answered
        finally:
            elapsed = time.perf_counter() - started
            # The route's template, not its path: ids in paths would make a series per object.
            route = scope.get("path_template") or "unmatched"
            count, latency = request_metrics(scope["method"], route, status)
            count.inc()
            latency.observe(elapsed)
            _access.request(request_id, scope["method"], scope["path"], status, elapsed)
            REQUEST_ID.reset(bound)


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


class LineBuffer:
    """Log lines gathered in memory and written in one system call every ``interval`` seconds
    (or once ``max_bytes`` are waiting), instead of a write and flush per request.

    Only the event loop's thread writes here. Without a running loop (a CLI command) a line is
    written at once; at exit whatever waits is written. A line reaches the stream at most
    ``interval`` seconds late, so it can follow an error line logged after it.
    """

    def __init__(self, stream: Any, *, interval: float = 0.2, max_bytes: int = 64 * 1024) -> None:
        self.stream = stream
        self.interval = interval
        self.max_bytes = max_bytes
        self.lines: list[bytes] = []
        self.size = 0
        self.scheduled = False
        atexit.register(self.flush)

    def write(self, line: bytes) -> None:
        self.lines.append(line)
        self.size += len(line)
        if self.size >= self.max_bytes:
            self.flush()
        elif not self.scheduled:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.flush()
                return
            loop.call_later(self.interval, self.flush)
            self.scheduled = True

    def flush(self) -> None:
        self.scheduled = False
        if not self.lines:
            return
        data = b"".join(self.lines)
        self.lines.clear()
        self.size = 0
        try:
            self.stream.write(data)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stdout loses the lines, not requests
            pass


class _AccessLog:
    """The per-request line. JSON lines are built here, the same keys in the same order as
    structlog would render them, into a :class:`LineBuffer`: it runs on every request. The
    console format (a terminal) goes through structlog."""

    logger: Any = structlog.get_logger("partnerhub.access")
    buffer: LineBuffer | None = None
    level_ok = True
    _second = -1
    _stamp = ""

    def request(self, request_id: str, method: str, path: str, status: int, elapsed: float) -> None:
        if self.buffer is None:
            self.logger.info(
                "request",
                request_id=request_id,
                method=method,
                path=path,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            return
        if not self.level_ok:
            return
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        line = {
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "event": "request",
            "timestamp": f"{self._stamp}.{int((now - second) * 1e6):06d}Z",
        }
        self.buffer.write(_encoder.encode(line) + b"\n")


_access = _AccessLog()


def flush_access_log() -> None:
    """Write the buffered access lines now (at shutdown: a process that multiprocessing started
    ends with ``os._exit``, which runs no ``atexit`` handler)."""
    if _access.buffer is not None:
        _access.buffer.flush()


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
            _add_request_id,
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
    if use_json:
        if _access.buffer is None or _access.buffer.stream is not sys.stdout.buffer:
            _access.buffer = LineBuffer(sys.stdout.buffer)
        _access.level_ok = numeric <= logging.INFO
    else:
        _access.buffer = None
