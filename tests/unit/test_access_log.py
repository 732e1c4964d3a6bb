"""The buffered access log (issue 16): lines are whole, in order, written in batches, and none is
lost at a flush, past the size bound or outside an event loop."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import structlog

from partnerhub.server.middleware import (
    REQUEST_ID,
    LineBuffer,
    RequestIdMiddleware,
    _access,
    _AccessLog,
    configure_logging,
)


class Stream(io.BytesIO):
    """A stdout stand-in that counts the writes reaching it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.writes += 1
        return super().write(data)


def test_outside_an_event_loop_a_line_is_written_at_once() -> None:
    stream = Stream()
    LineBuffer(stream).write(b"one\n")
    assert stream.getvalue() == b"one\n"


async def test_lines_wait_for_the_interval_then_go_in_one_write() -> None:
    stream = Stream()
    buffer = LineBuffer(stream, interval=0.05)
    for n in range(100):
        buffer.write(f"line {n}\n".encode())
    assert stream.getvalue() == b""
    await asyncio.sleep(0.2)
    assert stream.getvalue().decode().splitlines() == [f"line {n}" for n in range(100)]
    assert stream.writes == 1


async def test_the_size_bound_flushes_without_waiting() -> None:
    stream = Stream()
    buffer = LineBuffer(stream, interval=60, max_bytes=1000)
    line = b"x" * 99 + b"\n"
    for _ in range(10):
        buffer.write(line)
    assert stream.getvalue() == line * 10
    buffer.write(b"tail\n")
    buffer.flush()
    assert stream.getvalue().endswith(b"tail\n")


async def test_the_access_line_has_structlogs_keys_in_order() -> None:
    stream = Stream()
    log = _AccessLog()
    log.buffer = LineBuffer(stream)
    log.request("abc", "GET", "/api/v2/partners/x", 200, 0.00123)
    log.buffer.flush()
    line = json.loads(stream.getvalue())
    assert list(line) == [
        "request_id",
        "method",
        "path",
        "status",
        "duration_ms",
        "event",
        "timestamp",
    ]
    assert line["duration_ms"] == 1.23 and line["event"] == "request"
    assert line["timestamp"].endswith("Z") and len(line["timestamp"]) == 27


async def test_a_line_logged_while_answering_a_request_carries_its_id() -> None:
    """Every line a request causes names it (the id the caller sent, or a new one), a line
    logged after it none; a line naming a request itself keeps its own. Through the
    processors configure_logging sets, up to the renderer."""
    before = structlog.get_config()
    access = (_access.logger, _access.buffer, _access.level_ok)
    try:
        configure_logging("INFO", "json")
        processors = structlog.get_config()["processors"]
    finally:
        structlog.configure(**before)
        _access.logger, _access.buffer, _access.level_ok = access
    lines: list[dict[str, Any]] = []

    def keep(_logger: Any, _method: str, event: Any) -> Any:
        lines.append(dict(event))
        raise structlog.DropEvent

    log = structlog.wrap_logger(
        structlog.ReturnLogger(), processors=[*processors[:-1], keep], context_class=dict
    )

    async def app(scope: Any, receive: Any, send: Any) -> None:
        log.warning("inside")
        log.warning("named", request_id="its-own")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/x",
        "query_string": b"",
        "headers": [(b"x-request-id", b"caller-chosen-id")],
    }
    await RequestIdMiddleware(app)(scope, receive, send)
    log.warning("after")
    by_event = {line["event"]: line for line in lines}
    assert by_event["inside"]["request_id"] == "caller-chosen-id"
    assert by_event["named"]["request_id"] == "its-own"
    assert "request_id" not in by_event["after"]
    assert REQUEST_ID.get() is None
    assert (b"x-request-id", b"caller-chosen-id") in sent[0]["headers"]
