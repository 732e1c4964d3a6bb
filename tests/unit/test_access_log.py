"""The buffered access log (issue 16): lines are whole, in order, written in batches, and none is
lost at a flush, past the size bound or outside an event loop."""

from __future__ import annotations

import asyncio
import io
import json

from partnerhub.server.middleware import LineBuffer, _AccessLog


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
