"""The app behind a real socket: uvicorn on a free loopback port, in the test's event loop.

For the security regressions, whose attack must be reproduced over real HTTP (a TCP connection,
uvicorn's parsing, the whole ASGI stack) rather than through httpx's in-process transport. The
app's lifespan is run by the caller (``tests.conftest.running`` or the ``client`` fixture), so
several servers may front apps that share one database, as processes do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from litestar import Litestar

from partnerhub.server.http_protocol import CoalescingHttpToolsProtocol


@asynccontextmanager
async def served(
    app: Any,
    *,
    http: type[asyncio.Protocol] = CoalescingHttpToolsProtocol,
    start_seconds: float = 10.0,
) -> AsyncIterator[int]:
    """``app`` served by uvicorn on 127.0.0.1 with the protocol ``partnerhub serve`` runs (or
    ``http``), on a port the system chose (yielded), for as long as the block runs."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
        access_log=False,
        http=http,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + start_seconds
    while not server.started:
        if task.done():
            task.result()  # it failed to start: raise why
        if time.monotonic() > deadline:
            raise AssertionError("uvicorn did not start")
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)


@asynccontextmanager
async def over_http(app: Litestar, start_seconds: float = 10.0) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to ``app`` served by uvicorn on 127.0.0.1 (port chosen by the
    system), for as long as the block runs."""
    async with (
        served(app, start_seconds=start_seconds) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        yield client
