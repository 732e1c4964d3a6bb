"""The coalescing HTTP protocol of ``partnerhub serve`` (partnerhub.server.http_protocol), over
real sockets: one write per response, and nothing held back that HTTP needs to arrive.

The server is uvicorn with the protocol, in the test's event loop (tests.integration.live_http);
a small raw ASGI app answers what each test needs; clients are raw TCP streams, so pipelining
and ``Connection: close`` are exactly what is sent. To count writes, the test's protocol hands
the real transport to the protocol under test wrapped in a recorder that forwards every call
(the transport is asyncio's, not ours).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from partnerhub.server.http_protocol import (
    FLUSH_BYTES,
    CoalescingHttpToolsProtocol,
    CoalescingTransport,
)
from tests.integration.live_http import served

BODY = b'{"partner_id":"abc","brand_name":"Bench"}'
BIG = bytes(range(256)) * (5 * 1024 * 1024 // 256)  # 5 MiB, well past FLUSH_BYTES


class Recorder:
    """Forwards everything to the real transport; remembers what was written, call by call."""

    def __init__(self, transport: asyncio.Transport, writes: list[bytes]) -> None:
        self._transport = transport
        self._writes = writes

    def write(self, data: bytes) -> None:
        self._writes.append(bytes(data))
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class App:
    """/json: a JSON answer in two sends (as every route does); /stream: a chunk, then the rest
    once the test sets ``release``; /big: 5 MiB in one send."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/stream":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"first,", "more_body": True})
            await self.release.wait()
            await send({"type": "http.response.body", "body": b"last", "more_body": False})
            return
        if path == "/reused":  # a buffer the app changes right after sending it
            buffer = bytearray(BODY)
            length = b"%d" % len(buffer)
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", length)],
                }
            )
            await send({"type": "http.response.body", "body": buffer})
            buffer[:] = b"x" * len(buffer)
            return
        body = BIG if path == "/big" else BODY
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def serving(app: App, writes: list[bytes]) -> AsyncIterator[int]:
    class Recorded(CoalescingHttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(Recorder(transport, writes))  # type: ignore[arg-type]

    async with served(app, http=Recorded) as port:
        yield port


@asynccontextmanager
async def connected(port: int) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def request(path: str, *, close: bool = False) -> bytes:
    connection = b"Connection: close\r\n" if close else b""
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n" + connection + b"\r\n"


async def read_response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """Status line and headers, and the body (Content-Length or chunked)."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = None
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    if length is not None:
        return head, await asyncio.wait_for(reader.readexactly(length), 10)
    body = b""
    while True:
        size = int((await asyncio.wait_for(reader.readline(), 10)).strip(), 16)
        chunk = await asyncio.wait_for(reader.readexactly(size + 2), 10)
        if size == 0:
            return head, body
        body += chunk[:-2]


async def test_a_response_leaves_in_one_write_and_keep_alive_goes_on() -> None:
    writes: list[bytes] = []
    async with serving(App(), writes) as port, connected(port) as (reader, writer):
        for number in range(3):
            writer.write(request("/json"))
            head, body = await read_response(reader)
            assert head.startswith(b"HTTP/1.1 200 OK\r\n")
            assert body == BODY
            # Status line, headers and body: one write (uvicorn alone makes two).
            assert len(writes) == number + 1
            assert writes[-1] == head + body


async def test_pipelined_requests_are_answered_in_order_and_complete() -> None:
    writes: list[bytes] = []
    async with serving(App(), writes) as port, connected(port) as (reader, writer):
        writer.write(request("/json") * 3)
        for _ in range(3):
            head, body = await read_response(reader)
            assert head.startswith(b"HTTP/1.1 200 OK\r\n") and body == BODY
        assert b"".join(writes).count(BODY) == 3


async def test_connection_close_gets_the_whole_answer_before_the_close() -> None:
    writes: list[bytes] = []
    async with serving(App(), writes) as port, connected(port) as (reader, writer):
        writer.write(request("/json", close=True))
        everything = await asyncio.wait_for(reader.read(), 10)  # until the server closes
        assert everything.endswith(b"\r\n\r\n" + BODY)
        assert b"connection: close" in everything.lower()


async def test_a_streamed_chunk_is_not_held_back_while_the_app_waits() -> None:
    app = App()
    async with serving(app, []) as port, connected(port) as (reader, writer):
        writer.write(request("/stream"))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert b"transfer-encoding: chunked" in head.lower()
        # The app is still waiting for ``release``: what it sent so far has arrived.
        first = await asyncio.wait_for(reader.readuntil(b"first,\r\n"), 10)
        assert first.endswith(b"6\r\nfirst,\r\n")
        app.release.set()
        rest = await asyncio.wait_for(reader.readuntil(b"0\r\n\r\n"), 10)
        assert rest == b"4\r\nlast\r\n0\r\n\r\n"


async def test_a_large_body_goes_out_whole_without_waiting_for_the_turn() -> None:
    writes: list[bytes] = []
    async with serving(App(), writes) as port, connected(port) as (reader, writer):
        writer.write(request("/big"))
        _, body = await read_response(reader)
        assert body == BIG
        # Headers and the body went out together, at once: the body is past the threshold.
        assert len(writes) == 1 and len(writes[0]) > FLUSH_BYTES
        writer.write(request("/json"))  # and the connection is still good
        assert (await read_response(reader))[1] == BODY


async def test_a_client_gone_before_the_flush_loses_nothing_else() -> None:
    """The client hangs up right after sending: the pending answer is dropped quietly and the
    server goes on answering others."""
    writes: list[bytes] = []
    async with serving(App(), writes) as port:
        for _ in range(5):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request("/big"))
            writer.transport.abort()
        async with connected(port) as (reader, writer):
            writer.write(request("/json"))
            assert (await read_response(reader))[1] == BODY


async def test_a_buffer_changed_after_it_was_sent_goes_out_as_it_was_sent() -> None:
    async with serving(App(), []) as port, connected(port) as (reader, writer):
        writer.write(request("/reused"))
        assert (await read_response(reader))[1] == BODY


async def test_the_transport_surface_keeps_order_and_accounts_for_what_waits() -> None:
    """write_eof sends what waits first; abort drops it; the buffer size counts it."""
    received: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def receiver(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.set_result(await reader.read())  # until the EOF
        writer.close()

    server = await asyncio.start_server(receiver, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
        coalescing = CoalescingTransport(transport, loop)
        coalescing.write(b"head,")
        coalescing.write(bytearray(b"body"))
        assert coalescing.get_write_buffer_size() == len(b"head,body")
        coalescing.write_eof()
        assert await asyncio.wait_for(received, 10) == b"head,body"
        coalescing.close()

        dropped, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
        aborted = CoalescingTransport(dropped, loop)
        aborted.write(b"never sent")
        aborted.abort()
        assert aborted.get_write_buffer_size() == 0
        await asyncio.sleep(0.05)  # the scheduled flush finds nothing (and raises nothing)
        assert aborted.is_closing()
    finally:
        server.close()
        await server.wait_closed()
