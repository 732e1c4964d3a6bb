"""uvicorn's httptools protocol, with each response's writes coalesced into one system call.

uvicorn writes a response's status line and headers when the app sends
``http.response.start`` and the body when it sends ``http.response.body``: two ``write(2)``
calls for every response, however small. On loopback and on a busy host each one runs the
receiver's network stack in the sender's context and may wake the client a second time; a
small JSON answer paid about twenty microseconds more than it needed (``strace`` showed two
writes a request; docs/benchmarks.md has the figures).

:class:`CoalescingTransport` gathers what is written during one turn of the event loop and
writes it once at the end of that turn (``call_soon``), so a response sent without awaiting in
between (every JSON answer) leaves in one system call. Nothing waits longer than that turn: a
streamed body whose next chunk is awaited flushes what came before at once, large writes
(``FLUSH_BYTES`` or more) go straight out after whatever was pending, and ``close`` writes what
is pending first. Flow control is untouched: the real transport still tells the protocol to
pause and resume, which is what uvicorn's response cycle waits on before each send.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Pending at least this much: write now (a large body gains nothing from waiting a turn).
FLUSH_BYTES = 64 * 1024


class CoalescingTransport:
    """Wraps an asyncio transport: ``write`` buffers until the end of the loop's turn; every
    other attribute is the wrapped transport's."""

    __slots__ = ("_loop", "_pending", "_size", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if type(data) is not bytes:  # a bytearray or view could change before the flush
            data = bytes(data)
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)
        self._size += len(data)
        if self._size >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write what is pending (a no-op when nothing is, or the connection is closing)."""
        pending = self._pending
        if not pending:
            return
        self._pending = []
        self._size = 0
        if self._transport.is_closing():  # the peer is gone: as the transport would, drop it
            return
        self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()  # nothing may be written after the EOF
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending = []  # as the transport's own buffer: dropped
        self._size = 0
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._size + self._transport.get_write_buffer_size()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # only the transport's public surface; no recursion on copies
            raise AttributeError(name)
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through a :class:`CoalescingTransport`: the
    ``http`` setting of ``partnerhub serve`` (a class at module level, so ``--workers N`` can
    hand it to the processes it spawns by name)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # The response cycles and the protocol's own answers (400s, 100-continue) write here;
        # flow control (``self.flow``) keeps the real transport.
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]
