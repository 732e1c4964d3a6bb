"""Moving the emulator's virtual clock, and waiting for a condition without blocking."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import EMULATOR


async def eventually(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll without blocking the loop: the delivery engine runs in this same event loop."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110  (the receiver is a thread: nothing to await)
            await asyncio.sleep(0.01)


async def advance(client: httpx.AsyncClient, seconds: float) -> dict[str, Any]:
    response = await client.post(
        "/_emulator/clock/advance", headers=EMULATOR, json={"seconds": seconds}
    )
    assert response.status_code == 201 or response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
